import DroverTestSupport
import Foundation
import Testing

/// Ctrl-C during `drover run`: the first SIGINT lets in-flight steps finish and starts nothing new; a second
/// aborts them, on the hosts too. The run ends INTERRUPTED (exit 5).
@Suite("drover run interrupted", .timeLimit(.minutes(2)))
struct InterruptTests {
    @Test func firstInterruptFinishesInFlightStepsAndExitsFive() async throws {
        try Testbed.ensureUp()
        let directory = NSTemporaryDirectory() + "drover-int-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let root = "/srv/host/int-\(UUID().uuidString.prefix(8))"
        let playbook = directory + "/slow.yml"
        // Batches of 2; the first step of each host takes a second, then writes its marker.
        try """
        name: Slow rollout
        stages:
          - name: Slow
            hosts: host00[1-6]
            serial: 2
            steps:
              - run: mkdir -p \(root) && sleep 1 && echo step1 > \(root)/marker
              - run: echo step2 >> \(root)/marker
        """.write(toFile: playbook, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Testbed.repositoryRoot + "/.build/debug/drover")
        process.arguments = ["run", playbook, "-i", Testbed.inventoryPath, "--yes", "--output", "json"]
        let output = Pipe()
        // A journal of its own: runs of concurrent tests on the same hosts would otherwise meet each other's locks.
        process.environment = ProcessInfo.processInfo.environment.merging(["DROVER_HOME": directory + "/home"]) { $1 }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Read events line by line; interrupt as soon as the first step has started on the first batch.
        var buffer = Data()
        var lines: [String] = []
        var interrupted = false
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                buffer.removeSubrange(buffer.startIndex...newline)
                if !interrupted, lines.last?.contains("\"event\":\"step_started\"") == true {
                    kill(process.processIdentifier, SIGINT)
                    interrupted = true
                }
            }
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 5)
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.last?["status"] as? String == "INTERRUPTED")
        // Every step that had started when the interrupt came finished; nothing started after it.
        let started = events.filter { $0["event"] as? String == "step_started" }
        let finished = events.filter { $0["event"] as? String == "step_finished" }
        #expect(!started.isEmpty)
        #expect(finished.count == started.count)
        #expect(finished.allSatisfy { $0["status"] as? String == "ok" })
        #expect(!started.contains { $0["step"] as? Int == 2 })
        #expect(!events.contains { $0["event"] as? String == "batch_started" && $0["batch"] as? Int == 2 })
        let markers = try await Subprocess.run(
            Testbed.repositoryRoot + "/.build/debug/drover",
            ["exec", "-i", Testbed.inventoryPath, "--limit", "host00[1-6]", "--output", "json", "--",
             "cat \(root)/marker 2>/dev/null | head -1; rm -rf \(root)"],
            timeout: .seconds(60))
        let written = markers.stdout.split(separator: "\n").filter { $0.contains("step1") }
        #expect(written.count == started.count, "\(markers.stdout)")
    }
    @Test func secondInterruptAbortsTheInFlightStepOnTheHostToo() async throws {
        try Testbed.ensureUp()
        let directory = NSTemporaryDirectory() + "drover-abort-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sleeper = "sleep 30.\(Int.random(in: 1000...9999))"
        let started = "/srv/host/abort-\(UUID().uuidString.prefix(8))"
        let playbook = directory + "/stuck.yml"
        try """
        name: Stuck rollout
        stages:
          - name: Stuck
            hosts: host007
            steps:
              - run: touch \(started) && \(sleeper)
              - run: echo never
        """.write(toFile: playbook, atomically: true, encoding: .utf8)
        /// Runs `command` on host007 with `drover exec`; its stdout.
        func onHost(_ command: String) async throws -> String {
            try await Subprocess.run(
                Testbed.repositoryRoot + "/.build/debug/drover",
                ["exec", "-i", Testbed.inventoryPath, "--limit", "host007", "--output", "json", "--", command],
                timeout: .seconds(60)
            ).stdout
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Testbed.repositoryRoot + "/.build/debug/drover")
        process.arguments = ["run", playbook, "-i", Testbed.inventoryPath, "--yes", "--output", "json"]
        let output = Pipe()
        process.environment = ProcessInfo.processInfo.environment.merging(["DROVER_HOME": directory + "/home"]) { $1 }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        // SIGINT once the step runs; again once the first one has been taken (signals sent together may merge).
        var buffer = Data()
        var lines: [String] = []
        var sent = 0
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                lines.append(line)
                buffer.removeSubrange(buffer.startIndex...newline)
                if sent == 0 && line.contains("\"event\":\"step_started\"") {
                    // Abort only once the command really runs on the host (bounded wait for its file).
                    for _ in 0..<50 {
                        if try await onHost("test -e \(started) && echo yes").contains("\"stdout\":\"yes") { break }
                    }
                    kill(process.processIdentifier, SIGINT)
                    sent += 1
                } else if sent == 1 && line.contains("\"level\":\"finish_in_flight\"") {
                    kill(process.processIdentifier, SIGINT)
                    sent += 1
                }
            }
        }
        process.waitUntilExit()
        #expect(sent == 2)
        #expect(process.terminationStatus == 5)
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(events.contains { $0["event"] as? String == "stop_requested" && $0["level"] as? String == "abort" })
        #expect(events.last?["status"] as? String == "INTERRUPTED")
        #expect(!events.contains { $0["event"] as? String == "step_started" && $0["step"] as? Int == 2 })
        // drover has exited: the step's command, which had started, must be gone from the host (not left to
        // its 30 s timeout).
        let check = try await onHost("test -e \(started) && echo started; pgrep -f '^sh -c touch \(started)' >/dev/null "
            + "|| pgrep -f '^\(sleeper)$' >/dev/null && echo still running || echo gone; rm -f \(started)")
        #expect(check.contains("started"), "\(check)")
        #expect(check.contains("gone"), "\(check)")
    }
}
