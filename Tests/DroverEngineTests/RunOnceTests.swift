import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// `run_once` steps: the first host of the batch to reach one runs it; the others share its outcome, record only
/// their `step_finished`, and a resume never runs it a second time (issue 17, finding 2).
@Suite struct RunOnceTests {
    /// One batch of three; step 1 migrates once for the batch.
    private func harness() -> EngineHarness {
        let playbook = EngineHarness.rollout(serial: []) {
            $0.steps = [
                EngineHarness.step("deploy {{ host.name }}"),
                EngineHarness.step("migrate") { $0.runOnce = true },
                EngineHarness.step("restart {{ host.name }}"),
            ]
        }
        return EngineHarness(apps: 3, playbook: playbook)
    }

    @Test func oneHostRunsItAndTheOthersShareItWithoutAnnouncingIt() async {
        let run = await harness().run()
        #expect(run.summary.status == .successful)
        #expect(run.transport.commands.filter { $0.command == "migrate" }.count == 1)
        let ranOn = run.transport.commands.first { $0.command == "migrate" }!.host
        #expect(run.started.filter { $0.step == 1 }.map(\.host) == [ranOn], "only the host that runs it announces it")
        let shared = run.events.compactMap { event -> (String, StepOutcome)? in
            if case .stepFinished(let ref, let outcome) = event, ref.step == 1, ref.host != ranOn { return (ref.host, outcome) }
            return nil
        }
        #expect(shared.count == 2)
        #expect(shared.allSatisfy { $0.1.status == .skipped && $0.1.reason == "run_once: ran on \(ranOn)" && $0.1.sharedFrom == ranOn })
    }

    @Test func aResumeSharesTheOutcomeTheInterruptedRunRecordedInsteadOfRunningItAgain() async {
        // The interrupted run: app1 deployed and migrated, then the controller died before app2 and app3 went on.
        var harness = harness()
        harness.configuration.resume = ResumeState(completed: [
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "app1"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 1, host: "app1"): StepOutcome(status: .ok),
            ResumeKey(stage: 0, phase: .steps, step: 0, host: "app2"): StepOutcome(status: .ok),
        ])
        let run = await harness.run()
        #expect(run.summary.status == .successful)
        #expect(!run.transport.commands.contains { $0.command == "migrate" }, "the migration ran once, before the resume")
        #expect(run.commands(on: "app2") == ["restart app2"])
        #expect(run.commands(on: "app3") == ["deploy app3", "restart app3"])
        let shared = run.events.compactMap { event -> String? in
            if case .stepFinished(let ref, let outcome) = event, ref.step == 1 { return "\(ref.host): \(outcome.reason ?? "")" }
            return nil
        }
        #expect(Set(shared) == ["app2: run_once: ran on app1", "app3: run_once: ran on app1"])
    }

    @Test func aResumedSharedOutcomeIsNotMistakenForARun() async {
        // app2 shared app1's outcome before the interruption; app1's own record is the one to share.
        var harness = harness()
        harness.configuration.resume = ResumeState(completed: [
            ResumeKey(stage: 0, phase: .steps, step: 1, host: "app2"):
                StepOutcome(status: .skipped, reason: "run_once: ran on app1", sharedFrom: "app1"),
            ResumeKey(stage: 0, phase: .steps, step: 1, host: "app1"): StepOutcome(status: .ok),
        ])
        let run = await harness.run()
        #expect(!run.transport.commands.contains { $0.command == "migrate" })
        let app3 = run.events.compactMap { event -> StepOutcome? in
            if case .stepFinished(let ref, let outcome) = event, ref.step == 1, ref.host == "app3" { return outcome }
            return nil
        }
        #expect(app3.map(\.reason) == ["run_once: ran on app1"])
    }

    @Test func whenTheRunnersAnnouncementIsRefusedAWaitingHostRunsItInstead() async throws {
        var harness = harness()
        let refused = FirstHost()
        harness.answer = { event in
            if case .stepStarted(let ref) = event, ref.step == 1, refused.claim(ref.host) { return .leaseLost(reason: "lapsed") }
            return .durable
        }
        let run = await harness.run()
        let loser = try #require(refused.host)
        let migrations = run.transport.commands.filter { $0.command == "migrate" }
        #expect(migrations.count == 1)
        #expect(migrations.first?.host != loser)
        #expect(run.state(loser) == .leaseLost)
        #expect(run.summary.hosts.filter { $0.state == .ok }.count == 2)
    }
}

/// The first host to claim it.
private final class FirstHost: @unchecked Sendable {
    private let lock = NSLock()
    private var first: String?
    func claim(_ host: String) -> Bool {
        lock.withLock {
            if first == nil { first = host }
            return first == host
        }
    }
    var host: String? { lock.withLock { first } }
}
