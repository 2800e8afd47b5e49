import DroverEngine
import DroverModel
import Testing

@Suite struct BatchPlannerTests {
    @Test(arguments: [
        (20, [SerialEntry](), [20]),
        (20, [.count(2), .percent(25)], [2, 5, 5, 5, 3]),
        (10, [.count(1), .count(3)], [1, 3, 3, 3]),
        (7, [.percent(10)], [1, 1, 1, 1, 1, 1, 1]),  // 10% of 7 floors to 0, at least 1
        (4, [.count(10)], [4]),
        (0, [.count(2)], []),
        (12, [.percent(50), .percent(100)], [6, 6]),
    ])
    func batchSizesFollowAnsibleSerial(hosts: Int, serial: [SerialEntry], expected: [Int]) {
        #expect(BatchPlanner.sizes(hostCount: hosts, serial: serial) == expected)
        #expect(BatchPlanner.batches(Array(0..<hosts), serial: serial).map(\.count) == expected)
        #expect(BatchPlanner.batches(Array(0..<hosts), serial: serial).flatMap { $0 } == Array(0..<hosts))
    }
}

@Suite struct DecisionRulesTests {
    private func after(
        size: Int, failed: Int, stageFailed: Int? = nil, maxPercent: Double? = nil, maxFailures: Int? = nil,
        critical: (String, String)? = nil
    ) -> Decision {
        DecisionRules.afterBatch(
            stage: 0, batch: 2, batchSize: size, batchFailed: failed, stageFailed: stageFailed ?? failed,
            critical: critical.map { (step: $0.0, host: $0.1) },
            limits: .init(maxFailPercentage: maxPercent, maxFailures: maxFailures))
    }

    @Test(arguments: [
        (5, 1, 20.0, Decision.Action.continue),  // 20% is not strictly greater than 20%
        (5, 2, 20.0, .halt),
        (5, 0, 0.0, .continue),
        (4, 1, 0.0, .halt),
        (10, 3, 25.0, .halt),
    ])
    func haltsWhenFailedShareIsStrictlyGreaterThanTheLimit(size: Int, failed: Int, limit: Double, action: Decision.Action) {
        #expect(after(size: size, failed: failed, maxPercent: limit).action == action)
    }

    @Test func reasonCarriesTheNumbers() {
        let decision = after(size: 5, failed: 2, maxPercent: 20)
        #expect(decision.rule == .maxFailPercentage)
        #expect(decision.reason == "batch 3: 2 of 5 hosts failed = 40% > max_fail_percentage 20%")
    }

    @Test func wholeBatchFailingHaltsEvenWithoutLimits() {
        let decision = after(size: 3, failed: 3)
        #expect(decision.action == .halt)
        #expect(decision.rule == .wholeBatchFailed)
        #expect(decision.reason.contains("a whole batch failing always halts the stage"))
    }

    @Test func failureBudgetSpansBatches() {
        #expect(after(size: 5, failed: 1, stageFailed: 2, maxFailures: 2).action == .continue)
        let decision = after(size: 5, failed: 1, stageFailed: 3, maxFailures: 2)
        #expect(decision.action == .halt)
        #expect(decision.rule == .maxFailures)
        #expect(decision.reason == "batch 3: 3 failed hosts in the stage > max_failures 2")
    }

    @Test func criticalStepHaltsWhateverTheShare() {
        let decision = after(size: 10, failed: 1, maxPercent: 50, critical: ("migrate schema", "db1"))
        #expect(decision.rule == .critical)
        #expect(decision.reason == "batch 3: critical step 'migrate schema' failed on db1")
    }

    @Test(arguments: [
        // stage hosts, failed so far, batch size, min_healthy, halts
        (10, 0, 2, 8, false),
        (10, 1, 2, 8, true),
        (4, 0, 1, 3, false),
        (4, 0, 2, 3, true),
    ])
    func minHealthyStopsBeforeTheBatch(stageHosts: Int, failed: Int, batch: Int, minimum: Int, halts: Bool) {
        let decision = DecisionRules.beforeBatch(
            stage: 0, batch: 1, batchSize: batch, stageHosts: stageHosts, failed: failed,
            limits: .init(minHealthy: minimum))
        #expect((decision?.action == .halt) == halts)
        if halts { #expect(decision?.rule == .minHealthy) }
    }

    @Test func overrunNeedsAnEstimateAndTheFactor() {
        #expect(DecisionRules.overrun(stage: 0, batch: 1, elapsed: .seconds(89), estimate: .seconds(60), factor: 1.5) == nil)
        let decision = DecisionRules.overrun(stage: 0, batch: 1, elapsed: .seconds(91), estimate: .seconds(60), factor: 1.5)
        #expect(decision?.rule == .overrun)
        #expect(DecisionRules.overrun(stage: 0, batch: 1, elapsed: .seconds(9999), estimate: nil, factor: 1.5) == nil)
    }

    /// Five minutes estimated for a run whose analyses watch its batches for 20 minutes: judged by 20 minutes.
    @Test func overrunJudgesAnEstimateShorterThanTheAnalysisSoakByTheSoak() {
        let soak = Duration.seconds(1_200)
        #expect(
            DecisionRules.overrun(
                stage: 0, batch: 3, elapsed: .seconds(1_790), estimate: .seconds(300), factor: 1.5, analysisSoak: soak)
                == nil)
        let decision = DecisionRules.overrun(
            stage: 0, batch: 3, elapsed: .seconds(1_810), estimate: .seconds(300), factor: 1.5, analysisSoak: soak)
        #expect(
            decision?.reason
                == "the run has taken 30m10s, more than its estimate 20m00s (the analysis soak; the change says 5m00s) "
                + "× 1.5 = 30m00s (on_overrun: halt_and_rollback)")
    }

    @Test func overrunSaysWhatItLeftOutForAPersonsAnswer() {
        let plain = DecisionRules.overrun(stage: 0, batch: 1, elapsed: .seconds(5400), estimate: .seconds(3600), factor: 1.2)
        #expect(plain?.reason == "the run has taken 1h30m, more than its estimate 1h00m × 1.2 = 1h12m (on_overrun: halt_and_rollback)")
        let paused = DecisionRules.overrun(
            stage: 0, batch: 1, elapsed: .seconds(5400), estimate: .seconds(3600), factor: 1.2,
            waitedForOperator: .seconds(1500))
        #expect(
            paused?.reason
                == "the run has taken 1h30m (not counting 25m00s waiting for an operator's answer), more than its "
                + "estimate 1h00m × 1.2 = 1h12m (on_overrun: halt_and_rollback)")
    }

    @Test(arguments: [
        (false, false, 0, 0, 0, RunStatus.successful),
        (false, false, 2, 0, 0, .partial),
        (true, false, 2, 0, 0, .rolledBack),
        (true, false, 2, 1, 0, .failed),
        (true, false, 2, 0, 3, .failed),
        (false, false, 1, 1, 0, .failed),
        (false, true, 0, 0, 0, .interrupted),
    ])
    func finalStatusFollowsTheSpec(halted: Bool, interrupted: Bool, failed: Int, rollbackFailed: Int, unrolled: Int, status: RunStatus) {
        #expect(
            DecisionRules.finalStatus(
                halted: halted, interrupted: interrupted, failedHosts: failed, rollbackFailures: rollbackFailed,
                unrolledChanges: unrolled) == status)
    }
}

@Suite struct TemplateContextTests {
    private let context = TemplateContext(
        runID: "r1",
        host: DroverModel.Host(
            name: "app1", connection: ConnectionSettings(address: "10.0.0.1", user: "u"),
            vars: ["release": "1.0", "db": ["port": 5432], "motd": "it's; rm -rf /"]),
        stageName: "Roll out", batchIndex: 1, batchHosts: ["app1", "app2"], playbookVars: ["release": "2.0"])

    @Test func playbookVarsWinAndBuiltinsAreThere() {
        #expect(context.render(Template("{{ release }} {{ host.address }} {{ batch.index }} {{ run.id }}")!) == "2.0 10.0.0.1 2 r1")
    }

    @Test func dottedNamesWalkIntoMaps() {
        #expect(context.render(Template("{{ db.port }}")!) == "5432")
        #expect(context.render(Template("{{ db.host }}")!) == nil)
    }

    @Test func commandsQuoteEveryValueAndListsWordByWord() {
        #expect(context.renderCommand(Template("echo {{ motd }}")!) == "echo 'it'\\''s; rm -rf /'")
        #expect(context.renderCommand(Template("lbctl drain {{ batch.hosts }}")!) == "lbctl drain app1 app2")
    }

    @Test(arguments: [
        (Condition.truthy("release"), true), (.falsy("release"), false), (.equals("db.port", 5432), true),
        (.equals("release", "1.0"), false), (.notEquals("host.name", "app2"), true), (.defined("nope"), false),
        (.undefined("nope"), true),
        (.all([.truthy("release"), .equals("host.name", "app1")]), true), (.all([.truthy("release"), .defined("nope")]), false),
        (.any([.defined("nope"), .equals("db.port", 5432)]), true), (.any([.falsy("release"), .defined("nope")]), false),
        (.not(.any([.defined("nope"), .falsy("release")])), true), (.not(.all([.truthy("release"), .truthy("motd")])), false),
    ])
    func conditionsHoldPerHost(condition: Condition, holds: Bool) {
        #expect(context.holds(condition) == holds)
    }
}
