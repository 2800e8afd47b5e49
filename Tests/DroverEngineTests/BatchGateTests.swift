import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The gates: the built-in ones answer what `DecisionRules` and `WindowFit` say, and the engine asks the list in
/// order at three points of every batch.
@Suite struct BatchGateTests {
    private static let limits = DecisionRules.Limits(maxFailPercentage: 20, maxFailures: 3, minHealthy: 5)

    @Test func theStandardListIsMinHealthyOverrunWindowFitThenFailureLimits() {
        let window = WindowFitGate(now: { Date() }, closesAt: Date(), closing: nil, firstBatchEstimate: nil)
        let gates: [any BatchGate] = .standard(window: window)
        #expect(gates.map { String(describing: type(of: $0)) } == ["MinHealthyGate", "OverrunGate", "WindowFitGate", "FailureLimitsGate"])
        #expect(([any BatchGate].standard()).count == 3, "no window gate when nothing closes")
    }

    @Test func minHealthyAnswersTheBeforeBatchRule() async {
        let input = BatchGateInput(
            stage: 0, batch: 1, stageName: "s", hosts: ["c", "d", "e"], measured: [], elapsed: .zero, stageHostCount: 10,
            stageFailed: 3, limits: Self.limits)
        let decision = await MinHealthyGate().beforeBatch(input)
        #expect(
            decision
                == DecisionRules.beforeBatch(stage: 0, batch: 1, batchSize: 3, stageHosts: 10, failed: 3, limits: Self.limits))
        #expect(decision?.reason == "batch 2: taking 3 hosts out would leave 4 healthy of 10 (3 failed) < min_healthy 5")
    }

    @Test func overrunSpeaksOnceARun() async {
        let gate = OverrunGate(factor: 1.5, action: .warn)
        var input = BatchGateInput(
            stage: 0, batch: 3, stageName: "s", hosts: ["a"], measured: [], elapsed: .seconds(3700), estimate: .seconds(2400))
        let warning = await gate.beforeBatch(input)
        #expect(warning?.action == .continue && warning?.rule == .overrun)
        input.decisions = [warning!]
        #expect(await gate.beforeBatch(input) == nil)
    }

    @Test func overrunJudgesTheRunByItsAnalysisSoakWhenTheEstimateIsShorter() async {
        let input = BatchGateInput(
            stage: 0, batch: 3, stageName: "s", hosts: ["a"], measured: [], elapsed: .seconds(1_500), estimate: .seconds(300))
        #expect(await OverrunGate(factor: 1.5).beforeBatch(input)?.rule == .overrun)
        #expect(await OverrunGate(factor: 1.5, analysisSoak: .seconds(1_200)).beforeBatch(input) == nil)
        let gates: [any BatchGate] = .standard(analysisSoak: .seconds(1_200))
        #expect((gates[1] as? OverrunGate)?.analysisSoak == .seconds(1_200))
    }

    @Test func failureLimitsAnswerTheAfterBatchRules() async {
        let outcome = BatchOutcome(
            stage: 0, batch: 2, stageName: "s", hosts: ["a", "b", "c", "d", "e"], succeeded: ["a", "b", "c"],
            failed: ["d", "e"], stageFailed: 2, limits: Self.limits)
        let decision = await FailureLimitsGate().afterBatch(outcome)
        #expect(decision?.reason == "batch 3: 2 of 5 hosts failed = 40% > max_fail_percentage 20%")
        let critical = BatchOutcome(
            stage: 0, batch: 0, stageName: "s", hosts: ["a"], succeeded: [], failed: ["a"], stageFailed: 1,
            critical: CriticalStep(step: "migrate", host: "a"), limits: Self.limits)
        #expect(await FailureLimitsGate().afterBatch(critical)?.rule == .critical)
        #expect(await FailureLimitsGate().beforeBatch(BatchGateInput(stage: 0, batch: 0, stageName: "s", hosts: [], measured: [], elapsed: .zero)) == nil)
    }

    @Test func theFirstDecisionThatIsNotContinueEndsTheRoundAndLaterGatesAreNotAsked() async {
        let note = ScriptedGate(before: { Decision(action: .continue, rule: .passed, stage: $0.stage, batch: $0.batch, reason: "noted") })
        let stopper = ScriptedGate(before: { $0.batch == 1 ? Decision(action: .stop, rule: .windowClosing, stage: 0, batch: 1, reason: "closing") : nil })
        let never = ScriptedGate()
        var harness = EngineHarness(apps: 4, playbook: EngineHarness.rollout(serial: [.count(2)]))
        harness.configuration.gates = [note, stopper, never]
        let run = await harness.run()
        #expect(run.summary.status == .partial)
        #expect(run.decisions.map(\.reason) == ["noted", "noted", "closing"])
        #expect(stopper.asked == ["before 0/0", "steps 0/0", "after 0/0", "before 0/1"])
        #expect(never.asked == ["before 0/0", "steps 0/0", "after 0/0"], "not asked once the stopper spoke")
        #expect(run.commands(on: "app3").isEmpty)
    }

    @Test func aHaltAfterTheStepsKeepsTheBatchOutOfServiceAndRollsBack() async {
        let analysis = ScriptedGate(steps: { outcome in
            Decision(action: .halt, rule: Decision.Rule(rawValue: "analysis"), stage: 0, batch: outcome.batch, reason: "error rate 0.12 > max 0.05")
        })
        var harness = EngineHarness(apps: 2, playbook: EngineHarness.rollout(serial: [.count(2)]) {
            $0.afterBatch = [EngineHarness.step("enable {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
        })
        harness.configuration.gates = [analysis] + .standard()
        let run = await harness.run()
        #expect(run.summary.status == .rolledBack)
        #expect(run.commands(on: "lb1").isEmpty, "never put back into service")
        #expect(run.summary.reason.hasPrefix("halted (error rate 0.12 > max 0.05)"))
        #expect(run.events.contains { if case .batchFinished(0, 0, _, _, _) = $0 { true } else { false } })
        #expect(Set(run.transport.commands.filter { $0.command.hasPrefix("revert") }.map(\.host)) == ["app1", "app2"])
    }

    @Test func anActionThisDroverDoesNotKnowIsTakenAsAHalt() async {
        let gate = ScriptedGate(after: { Decision(action: Decision.Action(rawValue: "quarantine"), rule: .passed, stage: 0, batch: $0.batch, reason: "odd") })
        var harness = EngineHarness(apps: 2, playbook: EngineHarness.rollout(serial: []))
        harness.configuration.gates = [gate]
        let run = await harness.run()
        #expect(run.summary.status == .rolledBack)
    }

    @Test func theBatchGateSeesTheRunSoFar() async {
        let seen = ScriptedGate(before: { input in
            #expect(input.stageHostCount == 4)
            #expect(input.measured.count == input.batch, "one measurement per batch before this one")
            #expect(input.decisions.count == input.batch, "the failure limits' verdict on each earlier batch")
            return nil
        })
        var harness = EngineHarness(apps: 4, playbook: EngineHarness.rollout(serial: [.count(1)]))
        harness.configuration.gates = [seen] + .standard()
        let run = await harness.run()
        #expect(run.summary.status == .successful)
        #expect(seen.asked.filter { $0.hasPrefix("before") }.count == 4)
    }
}
