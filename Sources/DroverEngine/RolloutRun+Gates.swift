import DroverModel

extension RolloutRun {
    /// Where a batch is when its gates are asked.
    enum GatePoint: Sendable {
        case beforeBatch(BatchGateInput)
        case afterSteps(BatchOutcome)
        case afterBatch(BatchOutcome)
    }

    /// The gates' answer at one point.
    enum GateVerdict: Sendable {
        /// Go on.
        case proceed
        /// An operator answered a pause with retry.
        case retry(pause: Decision, answer: OperatorAnswer)
        case end(Ending)
    }

    /// Asks every gate in order at `point` (see `BatchGate` for what each action does); emits each decision, and
    /// waits for an operator's answer to a pause.
    mutating func judge(_ point: GatePoint) async -> GateVerdict {
        for gate in engine.configuration.gates {
            let decision: Decision?
            switch point {
            case .beforeBatch(let input): decision = await gate.beforeBatch(input)
            case .afterSteps(let outcome): decision = await gate.afterSteps(outcome)
            case .afterBatch(let outcome): decision = await gate.afterBatch(outcome)
            }
            guard let decision else { continue }
            await decide(decision)
            switch decision.action {
            case .continue:
                continue
            case .stop:
                return .end(.stop(decision))
            case .pause:
                guard let answer = await ask(about: decision) else { return .end(.interrupted) }
                switch answer.choice {
                case .continue: continue
                case .retry: return .retry(pause: decision, answer: answer)
                default: return .end(.halt(Self.halt(after: decision, answer: answer)))
                }
            default:
                // `.halt`, and any action a newer Drover's gate might answer: the safe side.
                return .end(.halt(decision))
            }
        }
        return .proceed
    }

    /// `verdict`, with a retry past the configured limit taken as rollback; counts the retries it lets through.
    func allowRetry(_ verdict: GateVerdict, retries: inout Int) -> GateVerdict {
        guard case .retry(let pause, let answer) = verdict else { return verdict }
        guard retries < engine.configuration.retryLimit else {
            let limit = engine.configuration.retryLimit
            return .end(
                .halt(
                    Self.halt(
                        after: pause, answer: answer,
                        note: "the batch was already retried \(limit) \(limit == 1 ? "time" : "times"), so it is rolled back")))
        }
        retries += 1
        return verdict
    }

    /// The halt a pause turns into when it is answered with rollback (or an answer this Drover does not know).
    static func halt(after pause: Decision, answer: OperatorAnswer, note: String? = nil) -> Decision {
        var reason = "\(pause.reason); paused, then \(answer.choice) (\(answer.by.map { "by \($0): " } ?? "")\(answer.reason))"
        if !answer.choice.isKnown { reason += "; an answer this Drover does not know is taken as rollback" }
        if let note { reason += "; \(note)" }
        return Decision(action: .halt, rule: pause.rule, stage: pause.stage, batch: pause.batch, reason: reason)
    }

    /// Waits for an operator's answer to `pause`, at most its timeout (on the engine's clock), and emits it.
    /// - Returns: the answer (the timeout's, rollback, when nobody answered in time; rollback at once when nobody
    ///   can be asked), or nil when a stop request or an abort ended the wait.
    mutating func ask(about pause: Decision) async -> OperatorAnswer? {
        let timeout = pause.timeout ?? engine.configuration.pauseTimeout
        func byDefault(_ why: String, timedOut: Bool = false) -> OperatorAnswer {
            OperatorAnswer(
                stage: pause.stage, batch: pause.batch, choice: .rollback, by: nil,
                reason: "\(why): rollback, the default", timedOut: timedOut)
        }
        let answer: OperatorAnswer
        if let operators = engine.configuration.operatorDecisions {
            let asked = engine.now()
            let waited = await Self.wait(
                for: operators, to: pause, timeout: timeout, sleep: engine.sleep, stop: engine.stop)
            waitedForOperator += asked.duration(to: engine.now())
            switch waited {
            case .answered(let given): answer = given
            case .timedOut where pause.onTimeout == .continue:
                answer = OperatorAnswer(
                    stage: pause.stage, batch: pause.batch, choice: .continue, by: nil,
                    reason: "nobody answered within \(DurationText.format(timeout)): continue, as on_timeout says",
                    timedOut: true)
            case .timedOut: answer = byDefault("nobody answered within \(DurationText.format(timeout))", timedOut: true)
            case .unavailable(let why): answer = byDefault("nobody could be asked (\(why))")
            case .ended: return nil
            }
        } else {
            answer = byDefault("nobody could be asked (no operator channel is configured)")
        }
        await emit(.operatorAnswered(answer))
        return answer
    }

    private enum Waited: Sendable {
        case answered(OperatorAnswer)
        case timedOut
        case unavailable(String)
        /// A stop request or an abort ended the wait.
        case ended
    }

    /// Races the operator's answer against the timeout and a stop request; the losers are cancelled.
    private static func wait(
        for operators: any OperatorDecisions, to pause: Decision, timeout: Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void, stop: StopSignal
    ) async -> Waited {
        await withTaskGroup(of: Waited?.self) { group in
            group.addTask {
                do {
                    return .answered(try await operators.answer(to: pause))
                } catch is CancellationError {
                    return nil
                } catch {
                    return Task.isCancelled ? nil : .unavailable("\(error)")
                }
            }
            group.addTask {
                do {
                    try await sleep(timeout)
                    return Task.isCancelled ? nil : .timedOut
                } catch {
                    return nil
                }
            }
            group.addTask {
                await stop.requested()
                return Task.isCancelled ? nil : .ended
            }
            defer { group.cancelAll() }
            // Bounded: three children; every one ends once the others are cancelled.
            while let finished = await group.next() {
                if let finished { return finished }
            }
            return .ended  // every child ended unanswered: the run's task was cancelled (an abort)
        }
    }
}
