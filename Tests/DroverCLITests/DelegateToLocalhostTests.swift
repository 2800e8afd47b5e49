import DroverTestSupport
import Foundation
import Testing

/// `delegate_to: localhost`: steps on the controller as local processes, beside steps on real testbed hosts (each
/// host has a hostname of its own, so `$(hostname)` tells where a step ran).
@Suite("delegate_to localhost", .timeLimit(.minutes(2)))
struct DelegateToLocalhostTests {
    static let binary = Testbed.repositoryRoot + "/.build/debug/drover"
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "drover-local-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(
            Self.binary, arguments, environment: ["DROVER_HOME": directory + "/home"], timeout: .seconds(60))
    }

    func write(_ playbook: String) throws -> String {
        let path = directory + "/play.yml"
        try playbook.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func stepsRunOnTheControllerWithTheirValuesQuoted() async throws {
        try Testbed.ensureUp()
        let path = try write(
            """
            name: Controller steps
            vars:
              evil: "$(touch \(directory)/pwned)"
            stages:
              - name: Behind the load balancer
                hosts: host019:host020
                serial: 2
                before_batch:
                  - run: echo drained {{ batch.hosts }} >> \(directory)/lb.log
                    delegate_to: localhost
                steps:
                  - run: echo {{ host.name }} "$(hostname)" {{ evil }} >> \(directory)/steps.log
                    delegate_to: localhost
                  - check: { command: "test $(hostname) = {{ host.name }}" }

            """)
        let plan = try await drover(["plan", path, "-i", Testbed.inventoryPath])
        #expect(plan.stdout.contains("[on the controller]"), "\(plan.stdout)")
        #expect(try await drover(["validate", path, "-i", Testbed.inventoryPath]).status == 0)
        let result = try await drover(["run", path, "-i", Testbed.inventoryPath, "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let controller = ProcessInfo.processInfo.hostName
        #expect(try String(contentsOfFile: directory + "/lb.log", encoding: .utf8) == "drained host019 host020\n")
        let lines = try String(contentsOfFile: directory + "/steps.log", encoding: .utf8).split(separator: "\n").sorted()
        #expect(lines == ["host019 \(controller) $(touch \(directory)/pwned)", "host020 \(controller) $(touch \(directory)/pwned)"])
        #expect(!FileManager.default.fileExists(atPath: directory + "/pwned"))
    }

    @Test func aControllerStepPastItsTimeoutIsKilledWithItsProcessGroup() async throws {
        try Testbed.ensureUp()
        let path = try write(
            """
            name: Slow controller step
            stages:
              - name: Stuck API call
                hosts: host019
                steps:
                  - run: (sleep 30; echo late > \(directory)/late) & echo $! > \(directory)/child; wait
                    delegate_to: localhost
                    timeout: 1s

            """)
        let result = try await drover(["run", path, "-i", Testbed.inventoryPath, "--yes", "--output", "json"])
        #expect(result.status == 2, "\(result.stderr)")  // the only host failed: halted, nothing to roll back
        let finished = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.first { $0["event"] as? String == "step_finished" }
        #expect(finished?["status"] as? String == "failed")
        #expect((finished?["reason"] as? String)?.contains("the command did not finish within 1.00s; stopped") == true, "\(String(describing: finished))")
        // The step's background child was in its process group: gone too (bounded wait for the kernel to reap it).
        let child = try #require(Int32(String(contentsOfFile: directory + "/child", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await eventually(within: .seconds(5)) { kill(child, 0) != 0 })
    }
}
