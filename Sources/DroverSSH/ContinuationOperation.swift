/// Base for operations that answer one awaiting task: resumes its continuation exactly once.
class ContinuationOperation<Value: Sendable> {
    private var continuation: CheckedContinuation<Value, any Error>?

    /// - Parameter continuation: nil for an operation that another one drives and nobody awaits.
    init(continuation: CheckedContinuation<Value, any Error>?) {
        self.continuation = continuation
    }

    var isFinished: Bool { continuation == nil }

    /// Resumes the awaiting task; later calls do nothing.
    func finish(_ result: Result<Value, any Error>) {
        continuation?.resume(with: result)
        continuation = nil
    }

    func abandon(_ error: any Error) { finish(.failure(error)) }
}
