import Synchronization

/// What the event sink refused during a run, shared by the run's concurrent tasks: hosts whose lease was lost
/// (nothing more starts there) and the journal's failure (nothing new starts anywhere).
final class RunFence: Sendable {
    private struct State {
        var lost: Set<String> = []
        var journalFailure: String?
    }

    private let state = Mutex(State())

    /// Notes that the lease on `host` is lost. - Returns: true the first time, so it is announced once.
    func lose(_ host: String) -> Bool {
        state.withLock { $0.lost.insert(host).inserted }
    }

    func isLost(_ host: String) -> Bool {
        state.withLock { $0.lost.contains(host) }
    }

    /// Notes that the journal could not record an event (the first reason is kept).
    func journalFailed(_ reason: String) {
        state.withLock { state in
            if state.journalFailure == nil { state.journalFailure = reason }
        }
    }

    /// Why the journal failed, once it has.
    var journalFailure: String? { state.withLock { $0.journalFailure } }
}
