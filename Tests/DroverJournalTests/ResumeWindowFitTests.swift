import DroverEngine
import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// Window fit after `drover resume`: replayed batches take no time, so the resume judges its next batch by the batches
/// its interrupted attempts measured (`ResumeState.measured`, from their `batch_finished` events).
@Suite struct ResumeWindowFitTests {
    static let playbook = Playbook(
        name: "Update",
        stages: [
            Stage(
                name: Template(literal: "Roll out"), hosts: "app", serial: [.count(2)],
                steps: [Step(name: "deploy", action: .run(Template("deploy {{ host.name }}")!))])
        ])

    static let hosts = ["a", "b", "c"].map {
        DroverModel.Host(name: $0, connection: ConnectionSettings(address: "10.0.0.1", user: "u"), groups: ["all", "app"])
    }

    static func ref(_ host: String, batch: Int) -> StepRef {
        StepRef(stage: 0, batch: batch, phase: .steps, step: 0, name: "deploy", host: host)
    }

    @Test func aResumeJudgesItsNextBatchByTheBatchesItsInterruptedAttemptMeasured() async throws {
        // The interrupted attempt: batch 1 (a, b) took 40 minutes, then the controller died.
        let interrupted: [RunEvent] = [
            .batchStarted(stage: 0, batch: 0, hosts: ["a", "b"]),
            .stepStarted(Self.ref("a", batch: 0)), .stepFinished(Self.ref("a", batch: 0), StepOutcome(status: .ok)),
            .stepStarted(Self.ref("b", batch: 0)), .stepFinished(Self.ref("b", batch: 0), StepOutcome(status: .ok)),
            .batchFinished(stage: 0, batch: 0, succeeded: ["a", "b"], failed: [], duration: .seconds(2400)),
        ]
        let plan = ResumePlan(events: interrupted, playbook: Self.playbook)
        #expect(plan.state.measured == [.seconds(2400)])

        // Resumed with 10 minutes of window left: batch 1 replays in no time; batch 2 would take 40 minutes.
        let inventory = Inventory(hosts: Self.hosts, groups: [InventoryGroup(name: "app", hosts: ["a", "b", "c"])])
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        let window = WindowFitGate(
            now: { Date() }, closesAt: Date().addingTimeInterval(600), closing: .windowEnds("Primary"),
            firstBatchEstimate: nil)
        let events = EventRecorder()
        let engine = RolloutEngine(
            playbook: Self.playbook, inventory: inventory, targets: Self.hosts,
            configuration: .init(runID: "r1", gates: .standard(window: window), resume: plan.state),
            transport: transport, events: events.sink, sleep: { _ in })
        let summary = await engine.run()
        #expect(transport.commands.isEmpty, "batch 2 started: \(transport.commands)")
        #expect(summary.status == .partial)
        let stop = events.all.compactMap { if case .decision(let decision) = $0 { decision } else { nil } }.first
        #expect(stop?.rule == .windowClosing)
        #expect(stop?.reason.contains("the longest batch so far") == true, "\(stop?.reason ?? "")")
    }
}
