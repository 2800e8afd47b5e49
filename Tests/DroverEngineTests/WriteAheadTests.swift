import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The sink's answer to a `step_started`: a step runs only once it is durable; a lost lease takes the host out of
/// the run; a journal that cannot record stops everything new.
@Suite struct WriteAheadTests {
    /// Refuses the announcement of `step` on `host` (and, once refused, every later one there) with `answer`.
    private static func refusing(
        _ host: String, step: String, phase: StepRef.Phase = .steps, with answer: Recorded
    ) -> @Sendable (RunEvent) -> Recorded {
        { event in
            guard case .stepStarted(let ref) = event, ref.host == host, ref.phase == phase, ref.name.contains(step) else {
                return .durable
            }
            return answer
        }
    }

    private func lostLeases(_ events: [RunEvent]) -> [String] {
        events.compactMap { if case .leaseLost(_, let host, _) = $0 { host } else { nil } }
    }

    @Test func aLostLeaseStopsEverythingOnThatHostAndTheRunEndsInterrupted() async {
        var playbook = EngineHarness.rollout(serial: [.count(2)]) {
            $0.afterBatch = [EngineHarness.step("enable {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
        }
        playbook.stages.append(Stage(name: Template(literal: "Verify"), hosts: "app", steps: [EngineHarness.step("verify")]))
        var harness = EngineHarness(apps: 4, playbook: playbook)
        harness.answer = Self.refusing("app2", step: "check", with: .leaseLost(reason: "broken by drover unlock --force"))
        let run = await harness.run()

        #expect(run.commands(on: "app2") == ["deploy app2"], "its check never ran, nor anything after it")
        #expect(lostLeases(run.events) == ["app2"])
        #expect(run.state("app2") == .leaseLost)
        #expect(run.summary.hosts.first { $0.name == "app2" }?.reason == "broken by drover unlock --force")
        #expect(run.commands(on: "lb1").first == "enable app1", "not put back into service")
        #expect(!run.commands(on: "app2").contains("verify"), "no part in later stages")
        #expect(run.summary.status == .interrupted)
        #expect(
            run.summary.reason == "the run lost its lease on app2 (broken by drover unlock --force): nothing more was "
                + "started there; drover resume r1 continues it once its lease is free")
        // Neither failed nor succeeded in the batch's verdict.
        let first = run.events.compactMap { if case .batchFinished(0, 0, let ok, let bad, _) = $0 { (ok, bad) } else { nil } }
        #expect(first.first?.0 == ["app1"] && first.first?.1 == [])
        #expect(run.decisions.first?.reason == "batch 1: 0 of 1 host failed = 0%")
    }

    @Test func aHostWhoseLeaseIsLostIsNotRolledBackAndTheHaltKeepsItsStatus() async {
        var harness = EngineHarness(apps: 4, playbook: EngineHarness.rollout(serial: [.count(4)], maxFailPercentage: 0))
        harness.failing = { host, command, _ in host == "app4" && command.hasPrefix("check") }
        harness.answer = Self.refusing("app2", step: "check", with: .leaseLost(reason: "lapsed"))
        let run = await harness.run()
        #expect(run.summary.status == .rolledBack)
        #expect(!run.commands(on: "app2").contains("revert app2"))
        #expect(run.commands(on: "app1").contains("revert app1"))
        #expect(run.summary.reason.hasSuffix("; the run lost its lease on app2 (lapsed): nothing more was started there"))
        // app4 failed out of the three hosts still in the verdict.
        #expect(run.decisions.first?.reason == "batch 1: 1 of 3 hosts failed = 33.3% > max_fail_percentage 0%")
    }

    @Test func aLeaseLostDuringTheHaltRollbackSkipsThatHostsRollback() async {
        var harness = EngineHarness(apps: 2, playbook: EngineHarness.rollout(serial: [.count(2)], maxFailPercentage: 0))
        harness.failing = { host, command, _ in host == "app2" && command.hasPrefix("check") }
        harness.answer = Self.refusing("app1", step: "revert", phase: .rollback, with: .leaseLost(reason: "lapsed"))
        let run = await harness.run()
        #expect(run.commands(on: "app1") == ["deploy app1", "check app1"])
        #expect(lostLeases(run.events) == ["app1"])
        #expect(run.state("app1") == .leaseLost)
        #expect(run.summary.status == .rolledBack)
    }

    @Test func aLeaseLostOnTheBatchsFirstHostBeforeTheBatchStartsNothingOfIt() async {
        let playbook = EngineHarness.rollout(serial: [.count(2)]) {
            $0.beforeBatch = [EngineHarness.step("drain {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
        }
        var harness = EngineHarness(apps: 4, playbook: playbook)
        harness.answer = Self.refusing("app1", step: "drain", phase: .beforeBatch, with: .leaseLost(reason: "lapsed"))
        let run = await harness.run()
        #expect(run.commands(on: "app1").isEmpty && run.commands(on: "app2").isEmpty)
        #expect(run.commands(on: "lb1") == ["drain app3 app4"])
        #expect(run.state("app1") == .leaseLost)
        #expect(run.summary.hosts.first { $0.name == "app2" }?.reason == "not started: before_batch 'run: drain {{ batch.hosts }}' could not start (the lease on app1 was lost)")
        #expect(run.summary.status == .interrupted)
    }

    @Test func aJournalThatCannotRecordAStepStopsEverythingNew() async {
        var harness = EngineHarness(apps: 4, playbook: EngineHarness.rollout(serial: [.count(2)]))
        harness.configuration.forks = 1
        harness.answer = Self.refusing("app1", step: "check", with: .failed(reason: "database is locked"))
        let run = await harness.run()
        #expect(run.commands(on: "app1") == ["deploy app1"], "the step the journal could not record did not run")
        #expect(run.commands(on: "app3").isEmpty, "nothing new started after it")
        #expect(run.state("app1") == .interrupted)
        #expect(!run.transport.commands.contains { $0.command.hasPrefix("revert") })
        #expect(run.summary.status == .interrupted)
        #expect(
            run.summary.reason == "the journal could not record the next step (database is locked); nothing new "
                + "started: drover resume r1 continues the run")
    }

    @Test func aStepRunsOnlyAfterItsAnnouncementIsDurable() async {
        let harness = EngineHarness(apps: 1, playbook: EngineHarness.rollout(serial: []))
        let transport = harness.transport()
        let ranWhenAnnounced = Counts()
        let engine = RolloutEngine(
            playbook: harness.playbook, inventory: harness.inventory, targets: harness.inventory.hosts,
            configuration: harness.configuration, transport: transport,
            events: { event in
                if case .stepStarted = event { ranWhenAnnounced.append(transport.commands.count) }
                return .durable
            }, sleep: { _ in })
        _ = await engine.run()
        #expect(ranWhenAnnounced.values == [0, 1], "deploy announced before anything ran, check once deploy had run")
    }
}

/// Numbers collected from the engine's tasks.
private final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ value: Int) { lock.withLock { list.append(value) } }
    var values: [Int] { lock.withLock { list } }
}
