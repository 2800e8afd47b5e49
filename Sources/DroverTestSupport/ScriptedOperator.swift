public import DroverEngine
public import DroverModel
import Synchronization

/// An `OperatorDecisions` for tests: answers each pause with the next answer of a list, at once. Once the list is
/// used up (at once for `never`), it never answers: it waits until the engine cancels the question, so the pause's
/// timeout (on the engine's injected clock) answers instead.
public final class ScriptedOperator: OperatorDecisions, Sendable {
    /// One scripted answer.
    public struct Answer: Sendable {
        public var choice: OperatorAnswer.Choice
        public var by: String
        public var reason: String

        public init(_ choice: OperatorAnswer.Choice, by: String = "alice", reason: String = "scripted") {
            self.choice = choice
            self.by = by
            self.reason = reason
        }
    }

    private struct State {
        var answers: [Answer]
        var asked: [Decision] = []
        var waiting: [Int: CheckedContinuation<Void, any Error>] = [:]
        var next = 0
    }

    private let state: Mutex<State>

    public init(_ answers: [Answer]) {
        self.state = Mutex(State(answers: answers))
    }

    /// An operator who never answers.
    public static var never: ScriptedOperator { ScriptedOperator([]) }

    /// The pauses it was asked about, in order.
    public var asked: [Decision] { state.withLock { $0.asked } }

    public func answer(to pause: Decision) async throws -> OperatorAnswer {
        let scripted = state.withLock { state -> Answer? in
            state.asked.append(pause)
            return state.answers.isEmpty ? nil : state.answers.removeFirst()
        }
        if let scripted {
            return OperatorAnswer(
                stage: pause.stage, batch: pause.batch, choice: scripted.choice, by: scripted.by,
                reason: scripted.reason)
        }
        try await waitUntilCancelled()
        throw CancellationError()
    }

    private func waitUntilCancelled() async throws {
        let id = state.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiting[id] = continuation
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}
