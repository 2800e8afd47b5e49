import DroverModel
import DroverNotify
import Foundation
import Testing

/// The planner alone: which notices a run's events call for, with no I/O and no waiting.
@Suite struct NoticePlannerTests {
    private func plan(_ events: [RunEvent], facts: RunFacts = ScriptedRuns.facts(), step: Duration = .seconds(10))
        -> [Notice]
    {
        var planner = NoticePlanner(facts: facts, progressEvery: .seconds(3600))
        var elapsed = Duration.zero
        return events.flatMap { event in
            defer { elapsed += step }
            return planner.handle(event, elapsed: elapsed)
        }
    }

    @Test func successfulRunSendsStartedThenCompleted() {
        let notices = plan(ScriptedRuns.successful)
        #expect(notices.map(\.event) == [.started, .completed])
        let done = notices[1]
        #expect(done.outcome == .successful)
        #expect(done.hostsDone == 4 && done.failedHosts.isEmpty)
        #expect(done.facts.change.id == "RFC-2026-0042")
        #expect(done.facts.impact == "rolling: at most 2 of 4 hosts out of service at a time")
        #expect(done.elapsed == .seconds(110))
    }

    @Test func rolledBackRunNamesTheFailedAndRolledBackHosts() {
        let notices = plan(ScriptedRuns.rolledBack)
        #expect(notices.map(\.event) == [.started, .rolledBack])
        #expect(notices[1].failedHosts == ["app2"])
        #expect(notices[1].rolledBackHosts == ["app1", "app2"])
        #expect(notices[1].hostsDone == 0)
        #expect(notices[1].reason == "batch 1: 1 of 2 hosts failed = 50% > max 0%")
    }

    @Test func aPauseSendsPausedWithTheDecisionAndHowToAnswer() {
        let pause = Decision(
            action: .pause, rule: .analysis, stage: 0, batch: 0,
            reason: "batch 1: error rate 0.12 > max 0.05; answer with: drover decide R rollback|retry|continue --reason TEXT",
            timeout: .seconds(1800))
        let events = Array(ScriptedRuns.rolledBack.prefix(while: { if case .decision = $0 { false } else { true } }))
        let notices = plan(events + [.decision(pause)])
        #expect(notices.map(\.event) == [.started, .paused])
        #expect(notices.last?.reason == pause.reason)
    }

    @Test func refusedRunSendsOnlyRefused() {
        let notices = plan(ScriptedRuns.refused)
        #expect(notices.map(\.event) == [.refused])
        #expect(notices[0].reason?.hasPrefix("outside every window") == true)
    }

    @Test(arguments: [
        (RunStatus.successful, NotifyEvent.completed), (.partial, .completedWithIssues), (.rolledBack, .rolledBack),
        (.failed, .failed), (.refused, .refused), (.interrupted, .interrupted),
    ])
    func closingNoticeFollowsTheStatus(status: RunStatus, event: NotifyEvent) {
        let notices = plan([ScriptedRuns.started(), .runFinished(status: status, reason: "r", duration: .seconds(1))])
        #expect(notices.map(\.event) == [.started, event])
    }

    @Test func checkModeRunTellsNoOne() {
        var planner = NoticePlanner(facts: ScriptedRuns.facts(), progressEvery: .seconds(60))
        #expect(planner.handle(ScriptedRuns.started(check: true), elapsed: .zero).isEmpty)
        #expect(planner.nextProgress == nil)
        #expect(planner.handle(.runFinished(status: .successful, reason: "", duration: .zero), elapsed: .zero).isEmpty)
    }

    @Test func progressIsDueEveryIntervalOnlyWhileRunning() {
        var planner = NoticePlanner(facts: ScriptedRuns.facts(), progressEvery: .seconds(1800))
        #expect(planner.nextProgress == nil)
        _ = planner.handle(ScriptedRuns.started(), elapsed: .zero)
        #expect(planner.nextProgress == .seconds(1800))
        #expect(planner.progressIfDue(elapsed: .seconds(1799)).isEmpty)
        #expect(planner.progressIfDue(elapsed: .seconds(1800)).map(\.event) == [.progress])
        // A caller that wakes late sends one notice, not one per missed interval.
        #expect(planner.progressIfDue(elapsed: .seconds(3 * 1800 + 5)).map(\.event) == [.progress])
        #expect(planner.nextProgress == .seconds(4 * 1800))
        _ = planner.handle(.runFinished(status: .successful, reason: "", duration: .zero), elapsed: .seconds(6000))
        #expect(planner.nextProgress == nil)
        #expect(planner.progressIfDue(elapsed: .seconds(9000)).isEmpty)
    }

    @Test func delayedOnceWhenTheProjectionPassesTheWindowThenExtended() {
        // The window ends 5 minutes after the start; half the work takes 4 minutes, so the end projects to 8.
        let window = NoticeWindow(name: "Primary", end: ScriptedRuns.start.addingTimeInterval(300))
        var planner = NoticePlanner(facts: ScriptedRuns.facts(window: window), progressEvery: .seconds(3600))
        _ = planner.handle(ScriptedRuns.started(), elapsed: .zero)
        _ = planner.handle(.stageStarted(stage: 0, name: "Checks", hosts: ["a"], batchSizes: [1]), elapsed: .zero)
        let first = planner.handle(
            .batchFinished(stage: 0, batch: 0, succeeded: ["a"], failed: [], duration: .seconds(240)),
            elapsed: .seconds(240))
        #expect(first.map(\.event) == [.delayed])
        #expect(first.first?.expectedEnd == ScriptedRuns.start.addingTimeInterval(480))
        _ = planner.handle(.stageFinished(stage: 0, succeeded: ["a"], failed: [], skipped: []), elapsed: .seconds(240))
        _ = planner.handle(.stageStarted(stage: 1, name: "Update", hosts: ["a"], batchSizes: [1]), elapsed: .seconds(240))
        let extended = planner.windowExtended(
            to: ScriptedRuns.start.addingTimeInterval(600), reason: "approved by J. Smith", elapsed: .seconds(250))
        #expect(extended.map(\.event) == [.extended])
        #expect(extended.first?.facts.window?.end == ScriptedRuns.start.addingTimeInterval(600))
        // Still within the new end: no second delay.
        let inTime = planner.handle(
            .batchFinished(stage: 1, batch: 0, succeeded: ["a"], failed: [], duration: .seconds(60)),
            elapsed: .seconds(300))
        #expect(inTime.isEmpty)
    }

    @Test func aBatchJudgedAgainAfterARetryCountsOnceTowardsTheProjectedEnd() {
        var planner = NoticePlanner(facts: ScriptedRuns.facts(), progressEvery: .seconds(3600))
        _ = planner.handle(ScriptedRuns.started(), elapsed: .zero)
        _ = planner.handle(.stageStarted(stage: 0, name: "Update", hosts: ["a", "b"], batchSizes: [1, 1]), elapsed: .zero)
        for elapsed in [Duration.seconds(120), .seconds(240)] {  // batch 1, then batch 1 again after `decide retry`
            _ = planner.handle(
                .batchFinished(stage: 0, batch: 0, succeeded: ["a"], failed: [], duration: .seconds(120)),
                elapsed: elapsed)
        }
        // Half of the first of two stages done in 240 s: the end projects to 960 s (counted twice, the stage would
        // seem done and the end 480 s).
        #expect(planner.expectedEnd(elapsed: .seconds(240)) == ScriptedRuns.start.addingTimeInterval(960))
    }

    @Test func nothingFollowsTheClosingNotice() {
        var planner = NoticePlanner(facts: ScriptedRuns.facts(), progressEvery: .seconds(60))
        _ = planner.handle(ScriptedRuns.started(), elapsed: .zero)
        _ = planner.handle(.runFinished(status: .failed, reason: "", duration: .zero), elapsed: .zero)
        #expect(planner.handle(ScriptedRuns.started(), elapsed: .zero).isEmpty)
        #expect(planner.refused(reason: "late").isEmpty)
    }
}
