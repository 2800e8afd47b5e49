import DroverModel
import Foundation

extension Notice {
    /// A made-up notice of each kind, for `drover notify-test` and for checking templates: a 24-host rolling update
    /// in its second of three stages, 2026-11-22 from 02:00 UTC in a window until 06:00.
    public static func sample(
        _ event: NotifyEvent, environment: String? = "production", timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) -> Notice {
        let start = Date(timeIntervalSince1970: 1_795_312_800)  // 2026-11-22T02:00:00Z
        let facts = RunFacts(
            runID: "20261122-020000-0001", playbook: "Sample notice from drover notify-test", environment: environment,
            change: ChangeInfo(type: .normal, id: "RFC-2026-0001", approvedBy: "J. Smith", estimate: .seconds(90 * 60)),
            hostCount: 24, stageNames: ["Pre-checks", "Rolling update", "Post-checks"],
            window: NoticeWindow(name: "Primary", end: start.addingTimeInterval(4 * 3600)),
            impact: "rolling: at most 4 of 24 hosts out of service at a time", timeZone: timeZone, startedAt: start)
        var notice = Notice(
            event: event, facts: facts, elapsed: .seconds(60 * 60), stage: 1, stageName: "Rolling update",
            stageHosts: 24, stageHostsDone: 12, hostsDone: 12,
            expectedEnd: start.addingTimeInterval(2 * 3600), progressEvery: .seconds(30 * 60))
        switch event {
        case .started:
            notice.elapsed = .zero
            notice.stage = nil
            notice.stageName = nil
            notice.hostsDone = 0
            notice.expectedEnd = start.addingTimeInterval(90 * 60)
        case .progress:
            notice.failedHosts = ["app07"]
        case .delayed:
            notice.elapsed = .seconds(3 * 3600)
            notice.expectedEnd = start.addingTimeInterval(4.5 * 3600)
        case .extended:
            notice.elapsed = .seconds(3 * 3600)
            notice.facts.window?.end = start.addingTimeInterval(5 * 3600)
            notice.expectedEnd = start.addingTimeInterval(4.5 * 3600)
            notice.reason = "approved by J. Smith"
        case .completed:
            notice.elapsed = .seconds(100 * 60)
            notice.stage = 2
            notice.stageName = "Post-checks"
            notice.hostsDone = 24
            notice.outcome = .successful
            notice.reason = "every targeted host completed"
        case .completedWithIssues:
            notice.elapsed = .seconds(100 * 60)
            notice.stage = 2
            notice.stageName = "Post-checks"
            notice.hostsDone = 22
            notice.failedHosts = ["app07", "app19"]
            notice.outcome = .partial
            notice.reason = "2 hosts failed, within the failure budget"
        case .rolledBack:
            notice.elapsed = .seconds(75 * 60)
            notice.hostsDone = 0
            notice.failedHosts = ["app05", "app06"]
            notice.rolledBackHosts = ["app01", "app02", "app03", "app04", "app05", "app06"]
            notice.outcome = .rolledBack
            notice.reason = "batch 2: 2 of 4 hosts failed = 50% > max 25%"
        case .failed:
            notice.elapsed = .seconds(75 * 60)
            notice.hostsDone = 0
            notice.failedHosts = ["app05", "app06"]
            notice.rolledBackHosts = ["app01", "app02", "app03", "app04", "app05"]
            notice.rollbackFailedHosts = ["app06"]
            notice.outcome = .failed
            notice.reason = "batch 2: 2 of 4 hosts failed = 50% > max 25%; the rollback failed on app06"
        case .refused:
            notice.elapsed = .zero
            notice.stage = nil
            notice.stageName = nil
            notice.hostsDone = 0
            notice.expectedEnd = nil
            notice.outcome = .refused
            notice.reason = "outside every window of production; next opening Sunday 2026-11-29 02:00 UTC (Primary)"
        case .interrupted:
            notice.elapsed = .seconds(40 * 60)
            notice.hostsDone = 8
            notice.outcome = .interrupted
            notice.reason = "stopped by the operator (SIGINT); in-flight steps finished"
        case .scheduled, .advance, .reminder, .cancelled, .missed:
            notice = Notice(event: event, facts: facts, planned: Self.samplePlan(event, start: start))
            notice.facts.startedAt = start.addingTimeInterval(-3 * 86_400)
            if event == .cancelled { notice.reason = "the vendor withdrew the patch" }
        }
        if notice.outcome != nil { notice.expectedEnd = nil }
        return notice
    }

    /// The planned run of the samples: 2026-11-22 02:00–06:00 UTC.
    private static func samplePlan(_ event: NotifyEvent, start: Date) -> PlannedFacts {
        PlannedFacts(
            scheduleID: "S-RFC-2026-0001", revision: 0, start: start, end: start.addingTimeInterval(4 * 3600),
            title: "Sample notice from drover notify-test", contact: "#ops-oncall", requestedBy: "Service owner",
            rollback: "rollback steps in 1 of 3 stages: Rolling update (2 steps)",
            hosts: (1...24).map { String(format: "app%02d", $0) },
            ahead: event == .advance ? .seconds(72 * 3600) : event == .reminder ? .seconds(3600) : nil,
            nextOpening: event == .cancelled ? "next opening: window 'Primary' at Sun 2026-11-29 02:00 UTC" : nil)
    }
}
