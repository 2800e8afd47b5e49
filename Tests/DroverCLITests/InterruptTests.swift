import DroverTestSupport
import Foundation
import Testing

/// Ctrl-C during `drover run`: the first SIGINT lets in-flight steps finish and starts nothing new; a second
/// aborts them, on the hosts too. The run ends INTERRUPTED (exit 5).
@Suite("drover run interrupted", .timeLimit(.minutes(2)))
struct InterruptTests {
    static let binary = Testbed.repositoryRoot + "/.build/debug/drover"

    /// Writes `playbook` into a fresh directory and starts `drover run` on it (JSON events, a journal of its own:
    /// runs of concurrent tests on the same hosts would otherwise meet each other's locks).
    private func start(_ playbook: String) throws -> RunningProcess {
        let directory = NSTemporaryDirectory() + "drover-int-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try playbook.write(toFile: directory + "/play.yml", atomically: true, encoding: .utf8)
        return try RunningProcess(
            Self.binary, ["run", directory + "/play.yml", "-i", Testbed.inventoryPath, "--yes", "--output", "json"],
            environment: ["DROVER_HOME": directory + "/home"])
    }

    /// `drover exec COMMAND` on the hosts `limit` selects: its JSON lines.
    private func exec(_ limit: String, _ command: String) async throws -> String {
        try await Subprocess.run(
            Self.binary, ["exec", "-i", Testbed.inventoryPath, "--limit", limit, "--output", "json", "--", command],
            timeout: .seconds(60)
        ).stdout
    }

    private func events(_ run: RunningProcess) -> [[String: Any]] {
        run.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func firstInterruptFinishesInFlightStepsAndExitsFive() async throws {
        try Testbed.ensureUp()
        let root = "/srv/host/int-\(UUID().uuidString.prefix(8))"
        // Batches of 2; the first step of each host takes a second, then writes its marker.
        let run = try start(
            """
            name: Slow rollout
            stages:
              - name: Slow
                hosts: host00[1-6]
                serial: 2
                steps:
                  - run: mkdir -p \(root) && sleep 1 && echo step1 > \(root)/marker
                  - run: echo step2 >> \(root)/marker
            """)
        // Interrupt as soon as the first step has started on the first batch.
        #expect(run.waitForLine { $0.contains("\"event\":\"step_started\"") } != nil)
        kill(run.pid, SIGINT)
        #expect(run.wait() == 5)
        let events = events(run)
        #expect(events.last?["status"] as? String == "INTERRUPTED")
        // Every step that had started when the interrupt came finished; nothing started after it.
        let started = events.filter { $0["event"] as? String == "step_started" }
        let finished = events.filter { $0["event"] as? String == "step_finished" }
        #expect(!started.isEmpty)
        #expect(finished.count == started.count)
        #expect(finished.allSatisfy { $0["status"] as? String == "ok" })
        #expect(!started.contains { $0["step"] as? Int == 2 })
        #expect(!events.contains { $0["event"] as? String == "batch_started" && $0["batch"] as? Int == 2 })
        let markers = try await exec("host00[1-6]", "cat \(root)/marker 2>/dev/null | head -1; rm -rf \(root)")
        let written = markers.split(separator: "\n").filter { $0.contains("step1") }
        #expect(written.count == started.count, "\(markers)")
    }

    @Test func secondInterruptAbortsTheInFlightStepOnTheHostToo() async throws {
        try Testbed.ensureUp()
        let sleeper = "sleep 30.\(Int.random(in: 1000...9999))"
        let started = "/srv/host/abort-\(UUID().uuidString.prefix(8))"
        let run = try start(
            """
            name: Stuck rollout
            stages:
              - name: Stuck
                hosts: host007
                steps:
                  - run: touch \(started) && \(sleeper)
                  - run: echo never
            """)
        #expect(run.waitForLine { $0.contains("\"event\":\"step_started\"") } != nil)
        // Abort only once the command really runs on the host (a bounded wait for its file).
        for _ in 0..<50 {
            if try await exec("host007", "test -e \(started) && echo yes").contains("\"stdout\":\"yes") { break }
        }
        kill(run.pid, SIGINT)
        // Again once the first has been taken: two signals sent together may arrive as one.
        #expect(run.waitForLine { $0.contains("\"level\":\"finish_in_flight\"") } != nil)
        kill(run.pid, SIGINT)
        #expect(run.wait() == 5)
        let events = events(run)
        #expect(events.contains { $0["event"] as? String == "stop_requested" && $0["level"] as? String == "abort" })
        #expect(events.last?["status"] as? String == "INTERRUPTED")
        #expect(!events.contains { $0["event"] as? String == "step_started" && $0["step"] as? Int == 2 })
        // drover has exited: the step's command, which had started, must be gone from the host (not left to
        // its 30 s timeout).
        let check = try await exec(
            "host007",
            "test -e \(started) && echo started; pgrep -f '^sh -c touch \(started)' >/dev/null "
                + "|| pgrep -f '^\(sleeper)$' >/dev/null && echo still running || echo gone; rm -f \(started)")
        #expect(check.contains("started"), "\(check)")
        #expect(check.contains("gone"), "\(check)")
    }
}
