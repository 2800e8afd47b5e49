import DroverTestSupport
import Foundation
import Testing

/// The journal's server stopped mid-run and started again, for real: a cluster of the suite's own (socket only, so
/// it takes no port), stopped and started by `Scripts/postgres` (by its PID) while a controller works.
@Suite("a journal outage mid-run", .serialized, .timeLimit(.minutes(3)))
struct PostgresOutageCLITests {
    /// Runs `body` with a cluster of its own in a new folder, and stops that cluster (by its PID) and removes the
    /// folder afterwards, whether `body` throws or not.
    func withCluster(_ body: (String) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "drover-pg-outage-" + UUID().uuidString.prefix(8).lowercased()
        try await postgres("start", directory: directory, "--socket-only")
        var failure: (any Error)?
        do { try await body(directory) } catch { failure = error }
        try await postgres("stop", directory: directory)
        try? FileManager.default.removeItem(atPath: directory)
        if let failure { throw failure }
    }

    let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
        ?? Testbed.repositoryRoot + "/.build/debug/drover"

    init() throws { try Testbed.ensureUp() }

    /// `Scripts/postgres COMMAND --dir DIRECTORY ARGUMENTS`, its output in `DIRECTORY.log`.
    func postgres(_ command: String, directory: String, _ arguments: String...) async throws {
        let status = await PostgresTestCluster.script([command, "--dir", directory] + arguments, log: directory + ".log")
        #expect(status == 0, "postgres \(command): \((try? String(contentsOfFile: directory + ".log", encoding: .utf8)) ?? "")")
    }

    /// A new database on the cluster in `directory`, and the environment a controller needs for it.
    func journal(_ directory: String) async throws -> (url: String, environment: [String: String]) {
        let name = "outage_" + UUID().uuidString.prefix(8).lowercased()
        try await postgres("psql", directory: directory, "-c", "CREATE DATABASE \(name)")
        return (
            "postgresql://drover@/\(name)?host=\(directory)/socket&port=55432",
            ["PGPASSFILE": directory + "/pgpass", "USER": "ci-operator"]
        )
    }

    func drover(_ arguments: [String], environment: [String: String]) async throws -> Subprocess.Result {
        try await Subprocess.run(binary, arguments, environment: environment, timeout: .seconds(120))
    }

    /// host011 and host012 one at a time: `wait` holds until `remote/go` exists (at most 60 s), then `after`.
    func playbook(_ directory: String, remote: String) throws -> String {
        try Testbed.heldRollout(at: directory + "/outage.yml", name: "Outage rollout", remote: remote, serial: 1)
    }

    func workspace() throws -> (directory: String, remote: String) {
        let id = UUID().uuidString.prefix(8).lowercased()
        let directory = NSTemporaryDirectory() + "drover-pg-outage-run-" + id
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (directory, "/srv/host/drover-pg-outage-" + id)
    }

    /// Starts the run with its stderr in `directory/stderr`, and returns once `wait` has started on host011.
    func start(_ playbook: String, journal: (url: String, environment: [String: String]), timeout: String, in directory: String)
        throws -> RunningProcess
    {
        let controller = try RunningProcess(
            "/bin/sh",
            [
                "-c", "exec \"$0\" \"$@\" 2>\(directory)/stderr", binary, "run", playbook, "-i", Testbed.inventoryPath,
                "--limit", "host011:host012", "--yes", "--output", "json", "--journal", journal.url,
                "--journal-timeout", timeout,
            ], environment: journal.environment)
        #expect(
            controller.waitForLine {
                $0.contains("\"event\":\"step_started\"") && $0.contains("\"host\":\"host011\"")
                    && $0.contains("\"name\":\"wait\"")
            } != nil)
        return controller
    }

    /// Waits (bounded: 60 s, only a hang reaches it) until the controller's stderr says `text`.
    func waitForStderr(_ text: String, in directory: String) async throws -> Bool {
        try await eventually(within: .seconds(60)) {
            (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8))?.contains(text) == true
        }
    }

    func release(_ remote: String) async throws {
        let result = try await drover(
            ["exec", "-i", Testbed.inventoryPath, "--limit", "host011:host012", "--", "mkdir -p \(remote) && touch \(remote)/go"],
            environment: [:])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    func log(_ host: String, _ remote: String) async throws -> [String] {
        let result = try await drover(
            ["exec", "-i", Testbed.inventoryPath, "--limit", host, "--", "cat \(remote)/log-\(host) 2>/dev/null || true"],
            environment: [:])
        return result.stdout.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
            .filter { ["ran", "after"].contains($0) }
    }

    @Test func aServerBackWithinTheTimeoutIsWaitedForAndTheRunCompletesEveryStepOnce() async throws {
        try await withCluster { server in
            let journal = try await journal(server)
            let (directory, remote) = try workspace()
            let controller = try start(try playbook(directory, remote: remote), journal: journal, timeout: "60s", in: directory)
            try await postgres("stop", directory: server)
            try await release(remote)
            // host011's step finishes; its result cannot be written, so host012 (the next batch) must not start.
            #expect(try await waitForStderr("the journal is unreachable (", in: directory))
            #expect(try await log("host012", remote).isEmpty)
            try await postgres("start", directory: server, "--socket-only")
            #expect(controller.wait() == 0, "\(controller.lines.joined(separator: "\n"))")
            #expect(try await waitForStderr("the journal is back after ", in: directory))
            for host in ["host011", "host012"] { #expect(try await log(host, remote) == ["ran", "after"], "\(host)") }
            let verify = try await drover(["verify", "--journal", journal.url], environment: journal.environment)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            let runs = try await drover(["runs", "--journal", journal.url, "--output", "json"], environment: journal.environment)
            #expect(runs.stdout.contains("\"status\":\"SUCCESSFUL\""), "\(runs.stdout)")
        }
    }

    @Test func aServerAwayPastTheTimeoutInterruptsTheRunAndAResumeFinishesItFromWhatTheServerHas() async throws {
        try await withCluster { server in
            let journal = try await journal(server)
            let (directory, remote) = try workspace()
            let controller = try start(try playbook(directory, remote: remote), journal: journal, timeout: "3s", in: directory)
            try await postgres("stop", directory: server)
            try await release(remote)
            #expect(controller.wait() == 5, "\(controller.lines.joined(separator: "\n"))")
            #expect(try await waitForStderr("longer than the journal timeout, 3 s", in: directory))
            #expect(try await log("host012", remote).isEmpty)
            try await postgres("start", directory: server, "--socket-only")
            // The server has the run up to the outage, still RUNNING; its controller is gone: any controller resumes it.
            let runs = try await drover(["runs", "--journal", journal.url, "--output", "json"], environment: journal.environment)
            let id = try #require(
                (try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any])?["id"] as? String)
            #expect(runs.stdout.contains("\"status\":\"RUNNING\""), "\(runs.stdout)")
            let resumed = try await drover(["resume", id, "--yes", "--journal", journal.url], environment: journal.environment)
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            // host011's `wait` finished but its result never reached the server: run again (idempotent); `after` once.
            #expect(try await log("host011", remote) == ["ran", "ran", "after"])
            #expect(try await log("host012", remote) == ["ran", "after"])
            let verify = try await drover(["verify", "--journal", journal.url], environment: journal.environment)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }
    }
}
