import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// A batch's time in the window includes its analysis soak and not a person's answer to a pause; the run's time for
/// overrun leaves the answer out too; the window still loses it (the wall clock went on).
@Suite struct BatchTimeTests {
    @Test(arguments: [
        (spent: Duration.seconds(600), waiting: Duration.zero, counted: Duration.seconds(600)),  // a soak, all of it
        (.seconds(2_100), .seconds(1_500), .seconds(600)),  // a soak, then a pause answered after 25 minutes
        (.seconds(30), .seconds(30), .zero),  // only the wait
        (.seconds(10), .seconds(20), .zero),  // never negative
    ])
    func judgingCountsAllButTheWaitForAnAnswer(spent: Duration, waiting: Duration, counted: Duration) {
        #expect(BatchTime.judging(spent, waitingForOperator: waiting) == counted)
    }

    @Test(arguments: [
        (elapsed: Duration.seconds(2_100), waiting: Duration.seconds(1_500), worked: Duration.seconds(600)),
        (.seconds(600), .zero, .seconds(600)),
    ])
    func overrunCountsTheWorkNotTheWait(elapsed: Duration, waiting: Duration, worked: Duration) {
        #expect(BatchTime.worked(elapsed: elapsed, waitingForOperator: waiting) == worked)
    }

    static let metric = Metric(name: "error rate", source: .prometheus(url: Template(literal: "http://127.0.0.1:9090"), query: Template(literal: "up")), max: 1)

    @Test(arguments: [
        (Analysis?.none, Duration.zero),
        (Analysis(metrics: [metric]), .zero),  // one measurement at once
        (Analysis(duration: .seconds(300), interval: .seconds(60), initialDelay: .seconds(30), metrics: [metric]), .seconds(330)),
        // Measurements fall on the interval: 5m every 2m is 0, 2m, 4m.
        (Analysis(duration: .seconds(300), interval: .seconds(120), metrics: [metric]), .seconds(240)),
    ])
    func theSoakIsTheDelayAndTheIntervalsBetweenMeasurements(analysis: Analysis?, soak: Duration) {
        #expect(BatchTime.soak(analysis) == soak)
    }

    @Test(arguments: [
        (estimate: Duration?.some(.seconds(3_000)), batches: 5, soak: Duration.zero, expected: Duration?.some(.seconds(600))),
        (.seconds(3_000), 5, .seconds(900), .seconds(900)),  // the soak alone is longer than the share
        (.seconds(3_000), 5, .seconds(300), .seconds(600)),
        (nil, 5, .seconds(300), .seconds(300)),  // no estimate: the soak is what is known
        (nil, 5, .zero, nil),
        (.seconds(600), 0, .zero, .seconds(600)),
    ])
    func theFirstBatchIsExpectedToTakeItsShareButAtLeastItsSoak(
        estimate: Duration?, batches: Int, soak: Duration, expected: Duration?
    ) {
        #expect(BatchTime.firstBatchEstimate(estimate: estimate, batches: batches, firstSoak: soak) == expected)
    }

    /// Five app hosts in batches of two (3 batches) watched 5m30s each, then a run-once stage watched 2m: 18m30s.
    @Test func theRunsAnalysisSoakIsEachStagesSoakForEveryBatchItCuts() {
        var playbook = EngineHarness.rollout(serial: [.count(2)]) {
            $0.analysis = Analysis(duration: .seconds(300), interval: .seconds(60), initialDelay: .seconds(30), metrics: [Self.metric])
        }
        var once = playbook.stages[0]
        once.runOnce = true
        once.analysis = Analysis(duration: .seconds(120), interval: .seconds(60), metrics: [Self.metric])
        playbook.stages.append(once)
        let harness = EngineHarness(apps: 5, playbook: playbook)
        let plan = RunPlan(playbook: playbook, inventory: harness.inventory, targets: harness.inventory.hosts)
        #expect(plan.stages.map(\.batches.count) == [3, 1])
        #expect(BatchTime.analysisSoak(plan) == .seconds(3 * 330 + 120))
        playbook.stages = playbook.stages.map { var stage = $0; stage.analysis = nil; return stage }
        #expect(BatchTime.analysisSoak(RunPlan(playbook: playbook, inventory: harness.inventory, targets: harness.inventory.hosts)) == .zero)
    }

    @Test(arguments: [
        (written: Duration?.some(.seconds(300)), soak: Duration.seconds(1_200), judged: Duration?.some(.seconds(1_200)),
         words: "20m00s (the analysis soak; the change says 5m00s)"),
        (.seconds(3_600), .seconds(1_200), .seconds(3_600), "1h00m"),  // the estimate already covers the soak
        (nil, .seconds(1_200), nil, ""),  // no estimate, no overrun
    ])
    func anEstimateIsNeverJudgedShorterThanTheAnalysisSoak(
        written: Duration?, soak: Duration, judged: Duration?, words: String
    ) {
        #expect(BatchTime.judgedEstimate(written, analysisSoak: soak) == judged)
        if let written { #expect(BatchTime.describe(written, analysisSoak: soak) == words) }
    }

    /// A gate after the steps that takes `soak` on the run's clock, as an analysis watching its metrics does.
    struct Soak: BatchGate {
        var clock: ManualClock
        var soak: Duration
        func afterSteps(_ batch: BatchOutcome) async -> Decision? {
            clock.advance(by: soak)
            return nil
        }
    }

    /// An operator who takes `thinking` on the run's clock, then answers continue.
    struct SlowOperator: OperatorDecisions {
        var clock: ManualClock
        var thinking: Duration
        func answer(to pause: Decision) async throws -> OperatorAnswer {
            clock.advance(by: thinking)
            return OperatorAnswer(stage: pause.stage, batch: pause.batch, choice: .continue, by: "alice", reason: "fine")
        }
    }

    /// Two batches of two; each watched for 10 minutes after its steps; a go-ahead after batch 1 that takes 25
    /// minutes to come; the change estimated at 20 minutes.
    func harness(window closesAfter: Duration?) -> (EngineHarness, ManualClock) {
        let clock = ManualClock()
        let base = ContinuousClock.now
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        var playbook = EngineHarness.rollout(serial: [.count(2)])
        playbook.change.estimate = .seconds(1_200)
        var harness = EngineHarness(apps: 4, playbook: playbook)
        let pause = ScriptedGate(after: { $0.batch == 0 ? EngineHarness.pause($0) : nil })
        let window = closesAfter.map { closes in
            WindowFitGate(
                now: { start.addingTimeInterval(Double(clock.now.offset.components.seconds)) },
                closesAt: start.addingTimeInterval(Double(closes.components.seconds)), closing: nil,
                firstBatchEstimate: nil)
        }
        harness.configuration.gates = [Soak(clock: clock, soak: .seconds(600)), pause] + .standard(window: window)
        harness.configuration.operatorDecisions = SlowOperator(clock: clock, thinking: .seconds(1_500))
        harness.now = { base.advanced(by: clock.now.offset) }
        harness.sleep = { try await clock.sleep(for: $0) }
        return (harness, clock)
    }

    @Test func theSoakIsInTheBatchsTimeAndTheWaitForAnAnswerIsNotOverrun() async {
        let (harness, _) = harness(window: nil)
        let run = await harness.run()
        #expect(run.summary.status == .successful, "\(run.summary.reason)")
        let durations = run.events.compactMap { if case .batchFinished(_, _, _, _, let duration) = $0 { duration } else { nil } }
        #expect(durations == [.seconds(600), .seconds(600)])
        // 35 minutes have passed before batch 2, more than 1.5 × 20; 10 of them were work.
        #expect(!run.decisions.contains { $0.rule == .overrun }, "\(run.decisions)")
    }

    @Test func theWaitForAnAnswerStillConsumesTheWindow() async {
        // Batch 2 would start 35 minutes in, 5 before the window closes; it needs 10 (the longest batch, its soak).
        let (harness, _) = harness(window: .seconds(2_400))
        let run = await harness.run()
        #expect(run.summary.status == .partial, "\(run.summary.reason)")
        let stop = run.decisions.first { $0.rule == .windowClosing }
        #expect(stop?.reason.contains("it would need about 10m00s (the longest batch so far) but only 5m00s remain") == true, "\(stop?.reason ?? "")")
    }
}
