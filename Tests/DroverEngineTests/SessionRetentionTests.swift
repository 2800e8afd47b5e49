import DroverEngine
import DroverModel
import Testing

/// Which sessions a run closes once a host's steps in a stage are done (a pure rule), and that the engine does close
/// them: a run over many hosts holds the sessions of its batch in flight, not every session it ever opened.
@Suite struct SessionRetentionTests {
    static func stage(
        _ name: String, rollback: Bool = false, afterBatch: Bool = false, delegated: Bool = false
    ) -> Stage {
        var step = EngineHarness.step("work")
        if delegated { step.delegateTo = Template(literal: "lb1") }
        return Stage(
            name: Template(literal: name), hosts: "app", steps: [step],
            afterBatch: afterBatch ? [EngineHarness.step("back in")] : [],
            rollback: rollback ? [EngineHarness.step("revert")] : [])
    }

    @Test func aHostsSessionClosesAfterItsLastStageUnlessSomethingMayStillNeedIt() {
        let plain = SessionRetention(stages: [Self.stage("a"), Self.stage("b")], hosts: [["h1", "h2"], ["h1"]])
        #expect(plain.closesAfterSteps(of: "h2", inStage: 0))
        // A later stage still targets h1: kept until then.
        #expect(!plain.closesAfterSteps(of: "h1", inStage: 0))
        #expect(plain.closesAfterSteps(of: "h1", inStage: 1))
        // A host no stage targets, a stage the plan does not have.
        #expect(!plain.closesAfterSteps(of: "h9", inStage: 0))
        #expect(!plain.closesAfterSteps(of: "h1", inStage: 5))

        // Rollback steps in this stage or an earlier one: a halt may still roll the host back.
        let rollback = SessionRetention(stages: [Self.stage("a", rollback: true), Self.stage("b")], hosts: [["h1"], ["h2"]])
        #expect(!rollback.closesAfterSteps(of: "h1", inStage: 0))
        #expect(!rollback.closesAfterSteps(of: "h2", inStage: 1))
        // A later stage's rollback steps do not concern a host that stage does not target.
        let later = SessionRetention(stages: [Self.stage("a"), Self.stage("b", rollback: true)], hosts: [["h1"], ["h2"]])
        #expect(later.closesAfterSteps(of: "h1", inStage: 0))
        #expect(!later.closesAfterSteps(of: "h2", inStage: 1))

        // after_batch steps run once the batch's steps are done; a delegated step may name any host.
        let after = SessionRetention(stages: [Self.stage("a", afterBatch: true)], hosts: [["h1"]])
        #expect(!after.closesAfterSteps(of: "h1", inStage: 0))
        let delegated = SessionRetention(stages: [Self.stage("a"), Self.stage("b", delegated: true)], hosts: [["h1"], ["h2"]])
        #expect(!delegated.closesAfterSteps(of: "h1", inStage: 0))
    }

    @Test func aRolloutWithoutRollbackStepsHoldsOnlyTheSessionsOfTheBatchesUnderWay() async {
        // 20 hosts in batches of 4: each batch's sessions close once its hosts' steps are done, so at most the batch
        // and the next one (logging in meanwhile) are open at once.
        var harness = EngineHarness(apps: 20, playbook: EngineHarness.rollout(serial: [.count(4)]) { $0.rollback = [] })
        let closing = await harness.run()
        #expect(closing.summary.status == .successful)
        #expect(closing.transport.peakConcurrency <= 8, "peak \(closing.transport.peakConcurrency)")
        #expect(closing.commands(on: "app20") == ["deploy app20", "check app20"])

        // With rollback steps every session is kept: a halt in a later batch rolls back the earlier ones.
        harness.playbook = EngineHarness.rollout(serial: [.count(4)])
        let keeping = await harness.run()
        #expect(keeping.summary.status == .successful)
        #expect(keeping.transport.peakConcurrency == 20)
    }
}
