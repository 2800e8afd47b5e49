/// Base for operations that answer one awaiting task: resumes its continuation exactly once.
class ContinuationOperation<Value: Sendable> {
    private var continuation: CheckedContinuation<Value, any Error>?

    /// - Parameter continuation: nil for an operation that another one drives and nobody awaits.
    init(continuation: CheckedContinuation<Value, any Error>?) {
        self.continuation = continuation
    }

    var isFinished: Bool { continuation == nil }

    /// Resumes the awaiting task; later calls do nothing. On a reactor's thread the task is resumed at the end of
    /// the loop's turn, once the sessions the turn closed are freed (`Reactor.answerAfterTurn`).
    func finish(_ result: Result<Value, any Error>) {
        guard let continuation else { return }
        self.continuation = nil
        if let reactor = Reactor.onThisThread {
            reactor.answerAfterTurn { continuation.resume(with: result) }
        } else {
            continuation.resume(with: result)
        }
    }

    func abandon(_ error: any Error) { finish(.failure(error)) }
}
