import DroverEngine
import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// What resume does with each step, decided from the journal's events alone.
@Suite struct ResumePlanTests {
    /// One stage on `app`: step 0 `install` (not idempotent), step 1 `restart` (idempotent); rollback step 0.
    static let playbook = Playbook(
        name: "Update",
        stages: [
            Stage(
                name: Template(literal: "Roll out"), hosts: "app",
                steps: [
                    Step(name: "install", action: .run(Template("install")!)),
                    Step(name: "restart", action: .run(Template("restart")!), idempotent: true),
                ],
                rollback: [Step(name: "revert", action: .run(Template("revert")!))])
        ])

    static func ref(_ step: Int, _ host: String, phase: StepRef.Phase = .steps) -> StepRef {
        StepRef(stage: 0, batch: 0, phase: phase, step: step, name: phase == .rollback ? "revert" : ["install", "restart"][step], host: host)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var events: [RunEvent]
        var rerunUnfinished = false
        var completed: [ResumeKey]
        var rerun: [String]
        var attention: [String]
        var testDescription: String { label }
    }

    static let ok = StepOutcome(status: .ok)

    static let cases: [Case] = [
        Case(
            label: "finished steps are completed, nothing cut off",
            events: [.stepStarted(ref(0, "a")), .stepFinished(ref(0, "a"), ok)],
            completed: [ResumeKey(ref(0, "a"))], rerun: [], attention: []),
        Case(
            label: "a cut-off idempotent step runs again",
            events: [.stepStarted(ref(0, "a")), .stepFinished(ref(0, "a"), ok), .stepStarted(ref(1, "a"))],
            completed: [ResumeKey(ref(0, "a"))], rerun: ["restart@a"], attention: []),
        Case(
            label: "a cut-off step that is not idempotent needs attention",
            events: [.stepStarted(ref(0, "a")), .stepStarted(ref(0, "b")), .stepFinished(ref(0, "b"), ok)],
            completed: [ResumeKey(ref(0, "b"))], rerun: [], attention: ["install@a"]),
        Case(
            label: "the operator may have cut-off steps run again",
            events: [.stepStarted(ref(0, "a"))], rerunUnfinished: true, completed: [], rerun: ["install@a"],
            attention: []),
        Case(
            label: "a failed step is completed too: its failure is replayed, not retried",
            events: [.stepStarted(ref(0, "a")), .stepFinished(ref(0, "a"), StepOutcome(status: .failed, reason: "exit 1"))],
            completed: [ResumeKey(ref(0, "a"))], rerun: [], attention: []),
        Case(
            label: "a cut-off rollback step is not idempotent unless marked",
            events: [
                .stepStarted(ref(0, "a")), .stepFinished(ref(0, "a"), ok),
                .stepStarted(ref(0, "a", phase: .rollback)),
            ],
            completed: [ResumeKey(ref(0, "a"))], rerun: [], attention: ["revert@a"]),
        Case(
            label: "a step re-run after an earlier resume and finished is completed",
            events: [.stepStarted(ref(1, "a")), .stepStarted(ref(1, "a")), .stepFinished(ref(1, "a"), ok)],
            completed: [ResumeKey(ref(1, "a"))], rerun: [], attention: []),
    ]

    @Test func aStepThatFailedAfterTheStopCountsAsCutOffButPassedStepsStayCompleted() {
        let stop = JournalEntry.note(JournalNote(kind: .stopRequested, text: "the operator asked the run to stop"))
        let entries: [JournalEntry] = [
            .event(.stepStarted(Self.ref(1, "a"))), .event(.stepStarted(Self.ref(1, "b"))), stop,
            .event(.stepFinished(Self.ref(1, "a"), StepOutcome(status: .failed, reason: "connection: cancelled"))),
            .event(.stepFinished(Self.ref(1, "b"), Self.ok)),
        ]
        let plan = ResumePlan(entries: entries, playbook: Self.playbook)
        #expect(Set(plan.state.completed.keys) == [ResumeKey(Self.ref(1, "b"))])
        #expect(plan.rerun.map(\.host) == ["a"])
    }

    @Test(arguments: cases)
    func resumeDecidesEachStepFromTheJournal(_ test: Case) {
        let plan = ResumePlan(events: test.events, playbook: Self.playbook, rerunUnfinished: test.rerunUnfinished)
        #expect(Set(plan.state.completed.keys) == Set(test.completed))
        #expect(plan.rerun.map { "\($0.name)@\($0.host)" } == test.rerun)
        #expect(plan.needsAttention.map { "\($0.name)@\($0.host)" } == test.attention)
        #expect(plan.canContinue == test.attention.isEmpty)
    }
}

/// The engine given a `ResumeState`: completed steps are not run again, the rest are.
@Suite struct EngineResumeTests {
    @Test func completedStepsAreNotRunAgainAndTheRestAre() async throws {
        let hosts = ["a", "b"].map {
            DroverModel.Host(name: $0, connection: ConnectionSettings(address: "10.0.0.1", user: "u"), groups: ["all", "app"])
        }
        let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: ["a", "b"])])
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        let resume = ResumeState(completed: [
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "a"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 1, host: "a"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "b"): StepOutcome(status: .ok),
        ])
        let engine = RolloutEngine(
            playbook: ResumePlanTests.playbook, inventory: inventory, targets: hosts,
            configuration: .init(runID: "r1", resume: resume), transport: transport, events: { _ in .durable }, sleep: { _ in })
        let summary = await engine.run()
        #expect(summary.status == .successful)
        #expect(transport.commands.contains { $0.host == "b" && $0.command.contains("restart") })
        #expect(!transport.commands.contains { $0.command.contains("install") })
        #expect(!transport.commands.contains { $0.host == "a" })
    }

    @Test func aReplayedFailureStillHaltsAndRollsBack() async throws {
        let hosts = ["a"].map {
            DroverModel.Host(name: $0, connection: ConnectionSettings(address: "10.0.0.1", user: "u"), groups: ["all", "app"])
        }
        let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: ["a"])])
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        let resume = ResumeState(completed: [
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "a"): StepOutcome(status: .failed, reason: "exit 1")
        ])
        let engine = RolloutEngine(
            playbook: ResumePlanTests.playbook, inventory: inventory, targets: hosts,
            configuration: .init(runID: "r1", resume: resume), transport: transport, events: { _ in .durable }, sleep: { _ in })
        let summary = await engine.run()
        #expect(summary.status == .rolledBack)
        #expect(transport.commands.contains { $0.command.contains("revert") })
        #expect(!transport.commands.contains { $0.command.contains("install") || $0.command.contains("restart") })
    }
}
