import DroverTestSupport
import Foundation
import Testing

/// Ctrl-C during `drover run`: the first SIGINT lets in-flight steps finish and starts nothing new; the run ends
/// INTERRUPTED (exit 5).
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
}
