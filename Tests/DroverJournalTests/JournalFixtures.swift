import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation

/// Runs and event streams the journal tests share.
enum JournalFixtures {
    static let start = Date(timeIntervalSince1970: 1_795_312_800)

    static func record(_ id: String = "20261122-020000-beef", status: RunStatus? = nil) -> RunRecord {
        RunRecord(
            id: id, playbook: "Weekly application update", playbookPath: "/srv/playbooks/update.yml",
            playbookHash: String(repeating: "a", count: 64), inventoryPath: "/srv/inventory/production.ini",
            environment: "production", operator: "alice",
            change: ChangeInfo(type: .normal, id: "RFC-2026-0042", approvedBy: "Engineering Manager", estimate: .seconds(45 * 60)),
            hostCount: 3,
            outline: [
                StageOutline(name: "Pre-maintenance checks", steps: [.init(name: "check: disk_free / ≥ 20%", isCheck: true)]),
                StageOutline(
                    name: "Roll out 2.4.1",
                    steps: [
                        .init(name: "Switch release", isCheck: false),
                        .init(name: "Health gate", isCheck: true, idempotent: true),
                    ]),
            ],
            startedAt: start, status: status)
    }

    static func ref(_ stage: Int, _ batch: Int, _ step: Int, _ name: String, _ host: String, phase: StepRef.Phase = .steps)
        -> StepRef
    {
        StepRef(stage: stage, batch: batch, phase: phase, step: step, name: name, host: host)
    }

    static let ok = StepOutcome(
        status: .ok, result: CommandResult(exitStatus: 0, stdoutTail: Array("done\n".utf8)), duration: .seconds(2))
    static let failed = StepOutcome(
        status: .failed, result: CommandResult(exitStatus: 3, stderrTail: Array("health check timed out\n".utf8)),
        reason: "exit 3: health check timed out", attempts: 3, duration: .seconds(9))

    /// A rollout of app1, app2 (batch 1) and app3 (batch 2) where app3's health gate fails and the stage halts.
    static var rolledBackRun: [RunEvent] {
        var events: [RunEvent] = [
            .runStarted(
                RunStarted(
                    runID: "20261122-020000-beef", playbook: "Weekly application update", environment: "production",
                    change: record().change, hostCount: 3, check: false)),
            .stageStarted(stage: 0, name: "Pre-maintenance checks", hosts: ["app1", "app2", "app3"], batchSizes: [3]),
            .batchStarted(stage: 0, batch: 0, hosts: ["app1", "app2", "app3"]),
        ]
        for host in ["app1", "app2", "app3"] {
            let check = ref(0, 0, 0, "check: disk_free / ≥ 20%", host)
            events += [.stepStarted(check), .stepFinished(check, ok)]
        }
        events += [
            .batchFinished(stage: 0, batch: 0, succeeded: ["app1", "app2", "app3"], failed: [], duration: .seconds(3)),
            .decision(Decision(action: .continue, rule: .passed, stage: 0, batch: 0, reason: "batch 1: 0 of 3 hosts failed = 0%")),
            .stageFinished(stage: 0, succeeded: ["app1", "app2", "app3"], failed: [], skipped: []),
            .stageStarted(stage: 1, name: "Roll out 2.4.1", hosts: ["app1", "app2", "app3"], batchSizes: [2, 1]),
            .batchStarted(stage: 1, batch: 0, hosts: ["app1", "app2"]),
        ]
        for host in ["app1", "app2"] {
            let switchRef = ref(1, 0, 0, "Switch release", host)
            let health = ref(1, 0, 1, "Health gate", host)
            events += [.stepStarted(switchRef), .stepFinished(switchRef, ok), .stepStarted(health), .stepFinished(health, ok)]
        }
        let switch3 = ref(1, 1, 0, "Switch release", "app3")
        let health3 = ref(1, 1, 1, "Health gate", "app3")
        let rollback3 = ref(1, 1, 0, "run: /opt/app/bin/switch previous", "app3", phase: .rollback)
        events += [
            .batchFinished(stage: 1, batch: 0, succeeded: ["app1", "app2"], failed: [], duration: .seconds(20)),
            .decision(Decision(action: .continue, rule: .passed, stage: 1, batch: 0, reason: "batch 1: 0 of 2 hosts failed = 0%")),
            .batchStarted(stage: 1, batch: 1, hosts: ["app3"]),
            .stepStarted(switch3), .stepFinished(switch3, ok), .stepStarted(health3), .stepFinished(health3, failed),
            .hostFailed(stage: 1, host: "app3", step: "Health gate", reason: "Health gate: exit 3: health check timed out"),
            .rollbackStarted(stage: 1, hosts: ["app3"], reason: "Health gate: exit 3: health check timed out"),
            .stepStarted(rollback3), .stepFinished(rollback3, ok),
            .rollbackFinished(stage: 1, host: "app3", succeeded: true, reason: nil),
            .batchFinished(stage: 1, batch: 1, succeeded: [], failed: ["app3"], duration: .seconds(15)),
            .decision(
                Decision(
                    action: .halt, rule: .wholeBatchFailed, stage: 1, batch: 1,
                    reason: "batch 2: 1 of 1 host failed = 100%: a whole batch failing always halts the stage")),
        ]
        let rollbackApps = ["app1", "app2"].map { ref(1, 0, 0, "run: /opt/app/bin/switch previous", $0, phase: .rollback) }
        events.append(.rollbackStarted(stage: 1, hosts: ["app1", "app2"], reason: "batch 2: 1 of 1 host failed = 100%"))
        for rollback in rollbackApps { events += [.stepStarted(rollback), .stepFinished(rollback, ok)] }
        events += [
            .rollbackFinished(stage: 1, host: "app1", succeeded: true, reason: nil),
            .rollbackFinished(stage: 1, host: "app2", succeeded: true, reason: nil),
            .stageFinished(stage: 1, succeeded: [], failed: ["app3"], skipped: []),
            .runFinished(
                status: .rolledBack,
                reason: "halted (batch 2: 1 of 1 host failed = 100%); every changed host was rolled back",
                duration: .seconds(95)),
        ]
        return events
    }

    /// A journal holding `rolledBackRun`, stamped one second apart from 02:00:00Z.
    static func journalWithRolledBackRun() async throws -> InMemoryJournal {
        let journal = InMemoryJournal.make(clock: SteppingClock(start: start))
        try await journal.begin(record())
        for event in rolledBackRun { try await journal.append(.event(event), run: record().id) }
        return journal
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "drover-journal-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
