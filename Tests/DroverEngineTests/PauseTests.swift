import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// A gate that pauses, and the operator's answer: rollback, continue, retry, or none (the timeout answers).
@Suite struct PauseTests {
    /// Two batches of two; a gate that pauses after the steps of any batch with a failed host.
    private func harness(
        failOnce: String? = nil, operatorDecisions: (any OperatorDecisions)?, gate: ScriptedGate? = nil,
        configure: (inout Stage) -> Void = { _ in }
    ) -> (EngineHarness, ScriptedGate) {
        var harness = EngineHarness(apps: 4, playbook: EngineHarness.rollout(serial: [.count(2)], maxFailPercentage: 0, configure))
        let gate = gate ?? ScriptedGate(steps: { $0.failed.isEmpty ? nil : EngineHarness.pause($0) })
        harness.configuration.gates = [gate] + .standard()
        harness.configuration.operatorDecisions = operatorDecisions
        // A clock nobody advances: a pause's timeout never beats a scripted answer (an immediate sleep raced it and
        // sometimes won). Tests of the timeout advance a clock of their own.
        let clock = ManualClock()
        harness.sleep = { try await clock.sleep(for: $0) }
        if let failOnce {
            // The host's check fails on its first attempt only.
            harness.failing = { host, command, attempt in host == failOnce && command.hasPrefix("check") && attempt == 1 }
        }
        return (harness, gate)
    }

    @Test func rollbackTakesTheHaltPathAndTheBatchIsNotPutBack() async {
        let (harness, _) = harness(failOnce: "app3", operatorDecisions: ScriptedOperator([.init(.rollback, reason: "looks bad")])) {
            $0.afterBatch = [EngineHarness.step("enable {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
        }
        let run = await harness.run()
        #expect(run.summary.status == .rolledBack)
        #expect(run.decisions.map(\.action) == [.continue, .pause])
        #expect(run.answers.map(\.choice) == [.rollback])
        #expect(run.answers.first?.by == "alice")
        #expect(run.summary.reason.hasPrefix("halted (batch 2: 1 failed, asking; paused, then rollback (by alice: looks bad))"))
        // Batch 1 was put back; batch 2 never was (the pause came before its after_batch steps).
        #expect(run.commands(on: "lb1") == ["enable app1 app2"])
        #expect(Set(run.transport.commands.filter { $0.command.hasPrefix("revert") }.map(\.host)) == ["app1", "app2", "app3", "app4"])
    }

    @Test func continueGoesOnWithTheNextBatch() async {
        let gate = ScriptedGate(after: { $0.batch == 0 ? EngineHarness.pause($0) : nil })
        let (harness, _) = harness(operatorDecisions: ScriptedOperator([.init(.continue)]), gate: gate)
        let run = await harness.run()
        #expect(run.summary.status == .successful)
        #expect(run.answers.map(\.choice) == [.continue])
        #expect(run.commands(on: "app4") == ["deploy app4", "check app4"])
        // The pausing gate spoke first; the failure limits still had their say on both batches.
        #expect(run.decisions.map(\.action) == [.pause, .continue, .continue])
    }

    @Test func retryRunsTheFailedHostsAgainAfterTheirRollbackAndJudgesTheBatchAgain() async {
        let (harness, gate) = harness(failOnce: "app2", operatorDecisions: ScriptedOperator([.init(.retry)]))
        let run = await harness.run()
        #expect(run.summary.status == .successful)
        #expect(run.answers.map(\.choice) == [.retry])
        // Its own rollback on failure, then the stage's steps again.
        #expect(run.commands(on: "app2") == ["deploy app2", "check app2", "revert app2", "deploy app2", "check app2"])
        #expect(run.commands(on: "app1") == ["deploy app1", "check app1"], "hosts that passed are not run again")
        #expect(run.state("app2") == .ok)
        #expect(run.summary.hosts.first { $0.name == "app2" }?.steps == 4)
        #expect(gate.asked.prefix(4) == ["before 0/0", "steps 0/0", "steps 0/0", "after 0/0"], "the batch was judged again")
        let finished = run.events.compactMap { if case .batchFinished(0, 0, let ok, let bad, _) = $0 { (ok, bad) } else { nil } }
        #expect(finished.count == 1 && finished[0].0 == ["app1", "app2"] && finished[0].1.isEmpty)
    }

    @Test func retryOfAHostLeftAsItWasRollsItBackFirst() async {
        let (harness, _) = harness(failOnce: "app2", operatorDecisions: ScriptedOperator([.init(.retry)])) {
            $0.onHostFailure = .leave
        }
        let run = await harness.run()
        #expect(run.summary.status == .successful)
        #expect(run.commands(on: "app2") == ["deploy app2", "check app2", "revert app2", "deploy app2", "check app2"])
        let reasons = run.events.compactMap { if case .rollbackStarted(_, ["app2"], let reason) = $0 { reason } else { nil } }
        #expect(reasons == ["retry: undoing the failed attempt first"])
    }

    @Test func retryAfterTheBatchTakesItsHostsOutOfServiceAgain() async {
        let gate = ScriptedGate(after: { $0.failed.isEmpty ? nil : EngineHarness.pause($0) })
        let (harness, _) = harness(failOnce: "app2", operatorDecisions: ScriptedOperator([.init(.retry)]), gate: gate) {
            $0.beforeBatch = [EngineHarness.step("drain {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
            $0.afterBatch = [EngineHarness.step("enable {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
        }
        let run = await harness.run()
        #expect(run.summary.status == .successful)
        #expect(
            run.commands(on: "lb1") == [
                "drain app1 app2", "enable app1 app2", "drain app2", "enable app2", "drain app3 app4", "enable app3 app4",
            ])
    }

    @Test func retriesPastTheLimitAreTakenAsRollback() async {
        // The check always fails on app2: every retry fails again.
        var (harness, _) = harness(operatorDecisions: ScriptedOperator([.init(.retry), .init(.retry)]))
        harness.failing = { host, command, _ in host == "app2" && command.hasPrefix("check") }
        harness.configuration.retryLimit = 1
        let run = await harness.run()
        #expect(run.summary.status == .rolledBack)
        #expect(run.answers.map(\.choice) == [.retry, .retry])
        #expect(run.summary.reason.contains("the batch was already retried 1 time, so it is rolled back"))
        #expect(run.commands(on: "app2").filter { $0.hasPrefix("check") }.count == 2)
    }

    @Test func nobodyAnsweringByTheDecisionsTimeoutRollsBack() async throws {
        let clock = ManualClock()
        let gate = ScriptedGate(steps: { $0.failed.isEmpty ? nil : EngineHarness.pause($0, timeout: .seconds(600)) })
        var (harness, _) = harness(failOnce: "app2", operatorDecisions: ScriptedOperator.never, gate: gate)
        harness.configuration.pauseTimeout = .seconds(60)
        harness.sleep = { try await clock.sleep(for: $0) }
        let recorder = EventRecorder()
        let transport = harness.transport()
        let engine = harness.engine(recorder: recorder, transport: transport)
        let task = Task { await engine.run() }
        await clock.waitForSleepers(1)
        // Past the configured default but short of the decision's own timeout: still waiting.
        clock.advance(by: .seconds(599))
        #expect(!recorder.all.contains { if case .operatorAnswered = $0 { true } else { false } })
        clock.advance(by: .seconds(1))
        let summary = await task.value
        #expect(summary.status == .rolledBack)
        let answers = recorder.all.compactMap { if case .operatorAnswered(let a) = $0 { a } else { nil } }
        #expect(answers == [
            OperatorAnswer(
                stage: 0, batch: 0, choice: .rollback, by: nil, reason: "nobody answered within 10m00s: rollback, the default",
                timedOut: true)
        ])
    }

    @Test func aPauseWithoutItsOwnTimeoutWaitsTheConfiguredOne() async {
        let clock = ManualClock()
        var (harness, _) = harness(failOnce: "app2", operatorDecisions: ScriptedOperator.never)
        harness.configuration.pauseTimeout = .seconds(120)
        harness.sleep = { try await clock.sleep(for: $0) }
        let recorder = EventRecorder()
        let engine = harness.engine(recorder: recorder, transport: harness.transport())
        let task = Task { await engine.run() }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(120))
        let summary = await task.value
        #expect(summary.status == .rolledBack)
        #expect(summary.reason.contains("nobody answered within 2m00s: rollback, the default"))
    }

    @Test func withNobodyToAskAPauseIsAnsweredAtOnceByItsDefault() async {
        let (harness, _) = harness(failOnce: "app2", operatorDecisions: nil)
        let run = await harness.run()
        #expect(run.summary.status == .rolledBack)
        #expect(run.answers.count == 1)
        #expect(run.answers.first?.reason == "nobody could be asked (no operator channel is configured): rollback, the default")
        #expect(run.answers.first?.by == nil && run.answers.first?.timedOut == false)
    }

    @Test func aStopRequestEndsTheWaitAndTheRunIsInterruptedWithoutRollback() async {
        let clock = ManualClock()
        var (harness, _) = harness(failOnce: "app2", operatorDecisions: ScriptedOperator.never)
        harness.sleep = { try await clock.sleep(for: $0) }
        let recorder = EventRecorder()
        let transport = harness.transport()
        let engine = harness.engine(recorder: recorder, transport: transport)
        let task = Task { await engine.run() }
        await clock.waitForSleepers(1)
        harness.stop.escalate()
        let summary = await task.value
        #expect(summary.status == .interrupted)
        #expect(!recorder.all.contains { if case .operatorAnswered = $0 { true } else { false } })
        #expect(!transport.commands.contains { $0.command.hasPrefix("revert app1") })
    }

    @Test func aPauseBeforeABatchAnsweredContinueStartsIt() async {
        let gate = ScriptedGate(before: { input in
            input.batch == 1
                ? Decision(action: .pause, rule: Decision.Rule(rawValue: "canary"), stage: 0, batch: 1, reason: "look at the canary")
                : nil
        })
        let (harness, _) = harness(operatorDecisions: ScriptedOperator([.init(.retry), .init(.continue)]), gate: gate)
        let run = await harness.run()
        #expect(run.summary.status == .successful)
        // Retry before a batch asks the gates again: the gate paused twice, then the batch started.
        #expect(gate.asked.filter { $0 == "before 0/1" }.count == 2)
        #expect(run.answers.map(\.choice) == [.retry, .continue])
        #expect(run.commands(on: "app3") == ["deploy app3", "check app3"])
    }

    @Test func anAnswerThisDroverDoesNotKnowIsTakenAsRollback() async {
        let (harness, _) = harness(
            failOnce: "app2", operatorDecisions: ScriptedOperator([.init(OperatorAnswer.Choice(rawValue: "escalate"))]))
        let run = await harness.run()
        #expect(run.summary.status == .rolledBack)
        #expect(run.summary.reason.contains("an answer this Drover does not know is taken as rollback"))
    }
}
