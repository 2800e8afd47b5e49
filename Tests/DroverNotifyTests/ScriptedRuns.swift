import DroverModel
import DroverNotify
import Foundation

/// Event sequences of whole runs, as the engine emits them, for driving notifiers without hosts.
enum ScriptedRuns {
    static let start = Date(timeIntervalSince1970: 1_795_312_800)  // 2026-11-22T02:00:00Z

    static func facts(window: NoticeWindow? = nil) -> RunFacts {
        RunFacts(
            playbook: "App update", environment: "production", stageNames: ["Checks", "Update"], window: window,
            startedAt: start)
    }

    static func started(hosts: Int = 4, check: Bool = false) -> RunEvent {
        .runStarted(
            RunStarted(
                runID: "20261122-020000-beef", playbook: "App update", environment: "production",
                change: ChangeInfo(type: .normal, id: "RFC-2026-0042", approvedBy: "J. Smith"), hostCount: hosts,
                check: check))
    }

    /// Two stages on app1…app4: checks in one batch, then the update in batches of two.
    static let successful: [RunEvent] = [
        started(),
        .stageStarted(stage: 0, name: "Checks", hosts: ["app1", "app2", "app3", "app4"], batchSizes: [4]),
        .batchStarted(stage: 0, batch: 0, hosts: ["app1", "app2", "app3", "app4"]),
        .batchFinished(stage: 0, batch: 0, succeeded: ["app1", "app2", "app3", "app4"], failed: [], duration: .seconds(5)),
        .stageFinished(stage: 0, succeeded: ["app1", "app2", "app3", "app4"], failed: [], skipped: []),
        .stageStarted(stage: 1, name: "Update", hosts: ["app1", "app2", "app3", "app4"], batchSizes: [2, 2]),
        .batchStarted(stage: 1, batch: 0, hosts: ["app1", "app2"]),
        .batchFinished(stage: 1, batch: 0, succeeded: ["app1", "app2"], failed: [], duration: .seconds(30)),
        .batchStarted(stage: 1, batch: 1, hosts: ["app3", "app4"]),
        .batchFinished(stage: 1, batch: 1, succeeded: ["app3", "app4"], failed: [], duration: .seconds(30)),
        .stageFinished(stage: 1, succeeded: ["app1", "app2", "app3", "app4"], failed: [], skipped: []),
        .runFinished(status: .successful, reason: "every targeted host completed", duration: .seconds(65)),
    ]

    /// The update fails on app2 in the first batch, the stage halts and both hosts of the batch are rolled back.
    static let rolledBack: [RunEvent] = [
        started(),
        .stageStarted(stage: 0, name: "Update", hosts: ["app1", "app2", "app3", "app4"], batchSizes: [2, 2]),
        .batchStarted(stage: 0, batch: 0, hosts: ["app1", "app2"]),
        .hostFailed(stage: 0, host: "app2", step: "Install", reason: "exit 1"),
        .batchFinished(stage: 0, batch: 0, succeeded: ["app1"], failed: ["app2"], duration: .seconds(20)),
        .decision(
            Decision(
                action: .halt, rule: .maxFailPercentage, stage: 0, batch: 0,
                reason: "batch 1: 1 of 2 hosts failed = 50% > max 0%")),
        .rollbackStarted(stage: 0, hosts: ["app1", "app2"], reason: "halted"),
        .rollbackFinished(stage: 0, host: "app1", succeeded: true, reason: nil),
        .rollbackFinished(stage: 0, host: "app2", succeeded: true, reason: nil),
        .stageFinished(stage: 0, succeeded: [], failed: ["app2"], skipped: ["app3", "app4"]),
        .runFinished(
            status: .rolledBack, reason: "batch 1: 1 of 2 hosts failed = 50% > max 0%", duration: .seconds(40)),
    ]

    /// Refused by the policy before any host was touched.
    static let refused: [RunEvent] = [
        .runFinished(
            status: .refused, reason: "outside every window of production; next opening 2026-11-29 02:00 UTC",
            duration: .zero)
    ]
}
