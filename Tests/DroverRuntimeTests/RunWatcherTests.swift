import DroverJournal
import DroverModel
import DroverRuntime
import DroverTestSupport
import Foundation
import Testing

/// `drover watch`'s choices, without processes: which runs it follows, how several runs' streams merge and end, and
/// the exit status. (Over real processes, SQLite and PostgreSQL: `WatchCLITests`.)
@Suite struct RunWatcherTests {
    static let start = Date(timeIntervalSince1970: 1_795_312_800)

    @Test(arguments: [
        ([], 0), ([RunStatus.successful, .successful], 0), ([.successful, .partial, .failed], 3),
        ([.interrupted, .failed], 5), ([.failed], 1),
    ] as [([RunStatus], Int32)])
    func theWatchExitsWithTheFirstRunToEndBadly(_ statuses: [RunStatus], _ expected: Int32) {
        #expect(RunWatcher.exitStatus(statuses) == expected)
    }

    @Test func withoutARunItFollowsEveryRunningRunOldestFirstAndEndsWhenAllHaveEnded() async throws {
        let journal = InMemoryJournal()
        for (index, id) in ["old", "done", "new"].enumerated() {
            try await journal.begin(
                RunRecord(id: id, playbook: "p", operator: "alice", startedAt: Self.start + Double(index) * 60))
        }
        try await journal.append(.event(.runFinished(status: .successful, reason: "ok", duration: .zero)), run: "done")
        let running = try await RunWatcher.runs(nil, in: journal)
        #expect(running.map(\.id) == ["old", "new"])
        #expect(try await RunWatcher.runs("done", in: journal).map(\.id) == ["done"])
        await #expect(throws: JournalError.self) { try await RunWatcher.runs("nope", in: journal) }

        // Both runs journal, then end; the watch hands each run's events over, each run's end once, then ends.
        try await journal.append(.event(.stageFinished(stage: 0, succeeded: [], failed: [], skipped: [])), run: "old")
        try await journal.append(.event(.runFinished(status: .failed, reason: "broke", duration: .zero)), run: "new")
        try await journal.append(.event(.runFinished(status: .successful, reason: "ok", duration: .zero)), run: "old")
        let watcher = RunWatcher(journal: journal, journalName: "memory", heartbeat: .milliseconds(100))
        var kinds: [String: [String]] = [:]
        var ended: [String: RunStatus] = [:]
        for try await update in watcher.follow(running.map(\.id)) {
            switch update {
            case .events(let run, let events): kinds[run, default: []] += events.map(\.kind)
            case .ended(let run, let status, _): ended[run] = status
            case .stalled(let run, let sentence): Issue.record("run \(run) said to stall: \(sentence)")
            }
        }
        #expect(kinds["old"] == ["stage_finished", "run_finished"])
        #expect(kinds["new"] == ["run_finished"])
        #expect(ended == ["old": .successful, "new": .failed])
    }
}
