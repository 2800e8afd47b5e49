import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// `drover report`'s decisions: analysis halts and pauses and operator answers, from the runs' journal events.
@Suite struct JournalReportTests {
    static let id = JournalFixtures.record().id

    /// A run whose analysis paused batch 1 of stage 2, answered retry by a person; then halted batch 2, whose pause
    /// nobody answered; with decisions of other rules around them.
    static func journal() async throws -> InMemoryJournal {
        let journal = InMemoryJournal.make(clock: SteppingClock(start: JournalFixtures.start))
        try await journal.begin(JournalFixtures.record())
        let events: [RunEvent] = [
            .decision(Decision(action: .continue, rule: .analysis, stage: 1, batch: 0, reason: "batch 1: error rate 0 ≤ max 0.05")),
            .decision(Decision(action: .pause, rule: .analysis, stage: 1, batch: 0, reason: "batch 1: error rate 0.5 > max 0.05")),
            .operatorAnswered(OperatorAnswer(stage: 1, batch: 0, choice: .retry, by: "ops", reason: "config rolled back by hand")),
            .decision(Decision(action: .continue, rule: .maxFailures, stage: 1, batch: 0, reason: "batch 1: 0 failed")),
            .decision(Decision(action: .halt, rule: .analysis, stage: 1, batch: 1, reason: "batch 2: error rate 0.12, 0.09 > max 0.05 for 2 consecutive measurements")),
            .operatorAnswered(OperatorAnswer(stage: 1, batch: 1, choice: .rollback, by: nil, reason: "nobody answered within 30m00s: rollback, the default", timedOut: true)),
            .runFinished(status: .rolledBack, reason: "halted", duration: .seconds(600)),
        ]
        for event in events { try await journal.append(.event(event), run: id) }
        return journal
    }

    static func report() async throws -> JournalReport {
        let journal = try await journal()
        let runs = try await journal.runs(since: nil)
        return JournalReport(runs: runs, since: nil, environment: nil, events: [id: try await journal.events(run: id)])
    }

    @Test func theDecisionsArePeoplesAnswersAndAnalysisHaltsAndPausesInOrder() async throws {
        let decisions = try await Self.report().decisions
        #expect(decisions.map(\.kind) == [.analysis, .answer, .analysis, .answer])
        #expect(decisions.map(\.action) == ["pause", "retry", "halt", "rollback"])
        #expect(decisions.map(\.by) == [nil, "ops", nil, nil])
        #expect(decisions[1].reason == "config rolled back by hand" && decisions[1].timedOut == false)
        #expect(decisions[3].timedOut == true)
        #expect(decisions.allSatisfy { $0.run == Self.id && $0.playbook == "Weekly application update" })
    }

    @Test func theTextListsThemAfterTheTable() async throws {
        let text = try await Self.report().text()
        let section = try #require(text.components(separatedBy: "Decisions (analysis halts and pauses, operator answers)\n").last)
        let lines = section.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("2026-11-22 02:00:01  \(Self.id)  Weekly application update  stage 2 batch 1  analysis pause: batch 1: error rate 0.5 > max 0.05"), "\(lines[0])")
        #expect(lines[1].hasSuffix("stage 2 batch 1  ops answered retry: config rolled back by hand"))
        #expect(lines[2].hasSuffix("stage 2 batch 2  analysis halt: batch 2: error rate 0.12, 0.09 > max 0.05 for 2 consecutive measurements"))
        #expect(lines[3].hasSuffix("stage 2 batch 2  no answer in time: rollback: nobody answered within 30m00s: rollback, the default"))
    }

    @Test func theJSONNamesWhoChoseWhatAndWhy() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(try await Self.report())) as? [String: Any]
        let decisions = try #require(object?["decisions"] as? [[String: Any]])
        #expect(decisions.count == 4)
        #expect(decisions[1]["kind"] as? String == "answer" && decisions[1]["action"] as? String == "retry")
        #expect(decisions[1]["by"] as? String == "ops" && decisions[1]["reason"] as? String == "config rolled back by hand")
        #expect(decisions[1]["stage"] as? Int == 1 && decisions[1]["batch"] as? Int == 0)
        #expect(decisions[3]["timed_out"] as? Bool == true && decisions[3]["by"] == nil)
    }

    @Test func checkModeAndLiveRunsHaveNoDecisionsAndNoneIsSaid() async throws {
        let journal = try await Self.journal()
        var live = try #require(try await journal.run(Self.id))
        live.status = nil
        let events = [Self.id: try await journal.events(run: Self.id)]
        let report = JournalReport(runs: [live], since: nil, environment: nil, events: events)
        #expect(report.decisions.isEmpty)
        #expect(report.text().hasSuffix("\nDecisions: none (no analysis halted or paused, no pause was answered)\n"))
    }
}
