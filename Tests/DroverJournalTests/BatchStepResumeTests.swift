import DroverEngine
import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization
import Testing

/// `before_batch`/`after_batch` across a resume: they run once for several hosts, so a resume runs them again only
/// for the hosts they have not covered. The interrupted run's events go through `ResumePlan` as `drover resume`'s do.
@Suite struct BatchStepResumeTests {
    /// One batch of a, b, c: taken out of the load balancer before, put back after.
    static let playbook = Playbook(
        name: "Update",
        stages: [
            Stage(
                name: Template(literal: "Roll out"), hosts: "app",
                beforeBatch: [Step(name: "out", action: .run(Template("lb out {{ batch.hosts }}")!))],
                steps: [
                    Step(name: "deploy", action: .run(Template("deploy {{ host.name }}")!)),
                    Step(name: "restart", action: .run(Template("restart {{ host.name }}")!)),
                ],
                afterBatch: [Step(name: "in", action: .run(Template("lb in {{ batch.hosts }}")!))])
        ])

    static let hosts = ["a", "b", "c"].map {
        DroverModel.Host(name: $0, connection: ConnectionSettings(address: "10.0.0.1", user: "u"), groups: ["all", "app"])
    }

    /// Runs the playbook; `answer` is the journal's answer to each event (a lost lease). Returns the commands that
    /// ran and the events the journal took.
    static func run(resume: ResumeState? = nil, answer: @escaping @Sendable (RunEvent) -> Recorded = { _ in .durable })
        async -> (commands: [String], events: [RunEvent])
    {
        let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: ["a", "b", "c"])])
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        let events = Mutex<[RunEvent]>([])
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: hosts,
            configuration: .init(runID: "r1", resume: resume), transport: transport,
            events: { event in
                let answered = answer(event)
                if case .durable = answered { events.withLock { $0.append(event) } }
                return answered
            }, sleep: { _ in })
        _ = await engine.run()
        return (transport.commands.map { "\($0.host): \($0.command)" }, events.withLock { $0 })
    }

    @Test func aHostLostBeforeAfterBatchIsPutBackByTheResumeAndNoOtherTwice() async throws {
        // c loses its lease before its restart: the batch's after_batch puts back a and b only, and the run stops.
        let first = await Self.run(answer: { event in
            if case .stepStarted(let ref) = event, ref.host == "c", ref.name == "restart" {
                return .leaseLost(reason: "broken by drover unlock")
            }
            return .durable
        })
        #expect(first.commands.contains("a: lb in a b"), "\(first.commands)")
        let plan = ResumePlan(events: first.events, playbook: Self.playbook)
        #expect(plan.state.covered(stage: 0, phase: .afterBatch, step: 0) == ["a", "b"])
        #expect(plan.state.covered(stage: 0, phase: .beforeBatch, step: 0) == ["a", "b", "c"])

        let resumed = await Self.run(resume: plan.state)
        // Nothing taken out again; c restarted and put back, alone, in its own context.
        #expect(resumed.commands == ["c: restart c", "c: lb in c"])
        let started = resumed.events.compactMap { if case .stepStarted(let ref) = $0, ref.phase == .afterBatch { ref } else { nil } }
        #expect(started.map(\.hosts) == [["c"]])
    }

    @Test func aBatchStepRecordedWithoutItsHostsReplaysByItsKeyAsBefore() async throws {
        // A journal from before Drover recorded a batch step's hosts: the step keyed by the batch's first host.
        let resume = ResumeState(completed: [
            ResumeKey(stage: 0, phase: .beforeBatch, step: 0, host: "a"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "a"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 1, host: "a"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "b"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 1, host: "b"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "c"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 1, host: "c"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .afterBatch, step: 0, host: "a"): StepOutcome(status: .ok),
        ])
        #expect(await Self.run(resume: resume).commands.isEmpty)
    }
}
