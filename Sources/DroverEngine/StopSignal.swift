import Synchronization

/// How far a run has been asked to stop (Ctrl-C once: finish in-flight steps; twice: abort them).
public final class StopSignal: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case none, finishInFlight, abort
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private struct Waiters {
        var next = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let level = Atomic<Int>(0)
    private let waiters = Mutex(Waiters())

    public init() {}

    /// Raises the level one step (the first request finishes in-flight work, the second aborts it).
    @discardableResult
    public func escalate() -> Level {
        var current = level.load(ordering: .relaxed)
        while current < Level.abort.rawValue {
            let (exchanged, original) = level.compareExchange(
                expected: current, desired: current + 1, ordering: .sequentiallyConsistent)
            if exchanged {
                if current == Level.none.rawValue { wakeWaiters() }
                return Level(rawValue: current + 1)!
            }
            current = original
        }
        return .abort
    }

    public var current: Level { Level(rawValue: level.load(ordering: .relaxed))! }
    public var isStopping: Bool { current != .none }

    /// Returns once a stop has been requested (at once if one already was), or once the calling task is
    /// cancelled: something that waits (a pause for an operator's answer) races it to end its wait.
    public func requested() async {
        let id = waiters.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = waiters.withLock { state -> Bool in
                    if level.load(ordering: .sequentiallyConsistent) != 0 || Task.isCancelled { return true }
                    state.waiting[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            waiters.withLock { $0.waiting.removeValue(forKey: id) }?.resume()
        }
    }

    private func wakeWaiters() {
        let woken = waiters.withLock { state in
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for waiter in woken { waiter.resume() }
    }
}
