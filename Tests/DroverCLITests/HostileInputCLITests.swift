import DroverTestSupport
import Foundation
import Testing

/// Hostile input as a user meets it on the command line: flags out of range are refused (exit 64) before anything is
/// read or connected, and a FIFO given as a file gets a sentence instead of a hang. Nothing here reaches the testbed:
/// the inventory's only host is a loopback port nothing listens on.
@Suite("hostile input on the command line", .timeLimit(.minutes(2)))
struct HostileInputCLITests {
    let directory: String
    let inventory: String

    init() throws {
        directory = NSTemporaryDirectory() + "drover-hostile-input-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        inventory = directory + "/hosts.ini"
        try "[web]\nweb1 ansible_host=127.0.0.1 ansible_port=9\n".write(toFile: inventory, atomically: true, encoding: .utf8)
        try """
            name: Flags
            stages:
              - { name: s, hosts: all, steps: [run: "true"] }
            """.write(toFile: directory + "/play.yml", atomically: true, encoding: .utf8)
    }

    private func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        let binary =
            ProcessInfo.processInfo.environment["DROVER_BINARY"] ?? Testbed.repositoryRoot + "/.build/debug/drover"
        return try await Subprocess.run(
            binary, arguments, environment: ["HOME": directory, "DROVER_HOME": directory], timeout: .seconds(60))
    }

    @Test(arguments: [
        (["ping", "--connect-timeout", "0s"], "must be more than 0s, found '0s'"),
        (["ping", "--connect-timeout", "2h"], "must be at most 1h, found '2h'"),
        (["ping", "--forks", "0"], "must be from 1 to 10000, found 0"),
        (["ping", "--forks", "9223372036854775807"], "must be from 1 to 10000, found 9223372036854775807"),
        (["exec", "--timeout", "0s", "--", "true"], "must be more than 0s, found '0s'"),
        (["exec", "--timeout", "1e300", "--", "true"], "'1e300' is not a duration"),
        (["run", "PLAY", "--yes", "--max-wait", "0s"], "must be more than 0s, found '0s'"),
        (["run", "PLAY", "--yes", "--connect-timeout", "0ms"], "must be more than 0s, found '0ms'"),
        (["resume", "RUN", "--connect-timeout", "0s"], "must be more than 0s, found '0s'"),
        (["resume", "RUN", "--forks", "0"], "must be from 1 to 10000, found 0"),
        (["report", "--since", "0s"], "must be more than 0s, found '0s'"),
        (["notify-test", "--policy", "p.yml", "--timeout", "0s"], "must be more than 0s, found '0s'"),
    ])
    func outOfRangeFlagsAreRefusedBeforeAnythingRuns(arguments: [String], message: String) async throws {
        var arguments = arguments.map { $0 == "PLAY" ? directory + "/play.yml" : $0 }
        if ["ping", "exec", "run"].contains(arguments[0]) {
            arguments.insert(contentsOf: ["-i", inventory], at: 1)
        }
        let result = try await drover(arguments)
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        // Refused while parsing: no host line, no connection attempt.
        #expect(!result.stdout.contains("web1"))
    }

    @Test(arguments: [["validate", "FIFO"], ["plan", "PLAY", "-i", "FIFO"], ["hosts", "-i", "FIFO"]])
    func aFIFOAsAnInputIsRefusedWithASentence(arguments: [String]) async throws {
        let fifo = directory + "/fifo-" + UUID().uuidString.prefix(8) + ".yml"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Subprocess.run's timeout ends a drover that would block opening the FIFO (it did, for ever).
        let result = try await drover(
            arguments.map { $0 == "FIFO" ? fifo : $0 == "PLAY" ? directory + "/play.yml" : $0 })
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("\(fifo): is a named pipe (FIFO), not a regular file"), "\(result.stderr)")
    }
}
