import DroverTestSupport
import Foundation
import Testing

/// `drover watch` with no RUN follows every run running when it starts, each started by another process, on SQLite
/// and on the real PostgreSQL server: both runs' events, told apart by run, until both have ended; its exit status is
/// the run that ended badly's.
@Suite("drover watch of the running runs", .serialized, .timeLimit(.minutes(3)))
struct WatchCLITests {
    init() throws { try Testbed.ensureUp() }

    let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
        ?? Testbed.repositoryRoot + "/.build/debug/drover"

    enum Backend: String, CaseIterable, Sendable {
        case sqlite, postgres
    }

    /// A JSON line as an object without the fields that differ between the run's copy and watch's: `time` (the run
    /// stamps a line when it prints it, watch with the time it was journaled) and `run` (watch's only).
    func events(_ lines: [String], run: String? = nil) -> [NSDictionary] {
        lines.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            if let run, object["run"] as? String != run { return nil }
            return object.filter { $0.key != "time" && $0.key != "run" } as NSDictionary
        }
    }

    func runID(_ lines: [String]) -> String? {
        events(lines).first { $0["event"] as? String == "run_started" }?["run_id"] as? String
    }

    @Test(arguments: Backend.allCases)
    func watchWithoutARunFollowsEveryRunningRunUntilAllHaveEnded(_ backend: Backend) async throws {
        let id = UUID().uuidString.prefix(8).lowercased()
        let directory = NSTemporaryDirectory() + "drover-watch-" + id
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let remote = "/srv/host/drover-watch-" + id
        let journal = backend == .sqlite
            ? directory + "/journal.sqlite" : try await PostgresTestCluster.freshDatabase("watch")
        // Each run waits on its host until the test lets it go; the run on host020 then fails its second step.
        let path = directory + "/held.yml"
        try """
            name: Held rollout
            stages:
              - name: Roll out
                hosts: all
                steps:
                  - name: wait
                    run: mkdir -p \(remote) && \(Testbed.holdUntil(remote + "/go", seconds: 60))
                  - name: check
                    run: test {{ host.name }} != host020
            """.write(toFile: path, atomically: true, encoding: .utf8)
        func start(_ host: String) throws -> RunningProcess {
            let run = try RunningProcess(
                binary,
                ["run", path, "-i", Testbed.inventoryPath, "--limit", host, "--yes", "--output", "json",
                 "--journal", journal], environment: ["USER": "ci-operator"])
            #expect(run.waitForLine { $0.contains("\"event\":\"step_started\"") } != nil)
            return run
        }
        let good = try start("host019")
        let bad = try start("host020")
        let goodID = try #require(runID(good.lines))
        let badID = try #require(runID(bad.lines))

        // Started while both runs wait: one watch in JSON, one for people.
        let json = try RunningProcess(binary, ["watch", "--output", "json", "--journal", journal])
        let human = try RunningProcess(binary, ["watch", "--journal", journal])
        var seen: Set<String> = []
        _ = json.waitForLine { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if object?["event"] as? String == "step_started", let run = object?["run"] as? String { seen.insert(run) }
            return seen.count == 2
        }
        #expect(seen == [goodID, badID], "watch did not follow both runs: \(json.lines)")

        let released = try await Subprocess.run(
            binary,
            ["exec", "-i", Testbed.inventoryPath, "--limit", "host019:host020", "--",
             "mkdir -p \(remote) && touch \(remote)/go"], timeout: .seconds(60))
        #expect(released.status == 0)
        #expect(good.wait() == 0)
        let badStatus = bad.wait()
        #expect(badStatus != 0)
        // Ends once both have ended, with the status of the one that ended badly.
        #expect(json.wait() == badStatus)
        #expect(human.wait() == badStatus)

        // Each run's events, in order, with the same fields as the run printed them.
        for (run, id) in [(good, goodID), (bad, badID)] {
            let printed = events(run.lines)
            #expect(printed.count > 6)
            #expect(events(json.lines, run: id) == printed, "run \(id)")
        }
        // Human lines say which run they are about, and each run's last line is there.
        #expect(human.lines.filter { !$0.isEmpty }.allSatisfy { $0.hasPrefix("[\(goodID)] ") || $0.hasPrefix("[\(badID)] ") },
                "\(human.lines.joined(separator: "\n"))")
        #expect(human.lines.contains { $0.hasPrefix("[\(goodID)] SUCCESSFUL (exit 0)") })
        #expect(human.lines.contains { $0.hasPrefix("[\(badID)] ") && $0.contains("(exit \(badStatus))") })
    }
}
