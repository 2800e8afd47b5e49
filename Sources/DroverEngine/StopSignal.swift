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
        var observers: [Int: @Sendable (Level) -> Void] = [:]
    }

    /// A registration made by `observe`; `cancel()` ends it.
    public struct Observation: Sendable {
        fileprivate let id: Int
        fileprivate let signal: StopSignal

        /// No more calls after this returns.
        public func cancel() {
            _ = signal.waiters.withLock { $0.observers.removeValue(forKey: id) }
        }
    }

    /// How many times a stop was asked for (the escalation's count).
    private let asked = Atomic<Int>(0)
    /// The level everyone sees (`current`, `requested()`): raised only once the observers have reacted to it.
    private let level = Atomic<Int>(0)
    private let waiters = Mutex(Waiters())

    public init() {}

    /// Raises the level one step (the first request finishes in-flight work, the second aborts it).
    @discardableResult
    public func escalate() -> Level {
        var current = asked.load(ordering: .relaxed)
        while current < Level.abort.rawValue {
            let (exchanged, original) = asked.compareExchange(
                expected: current, desired: current + 1, ordering: .sequentiallyConsistent)
            if exchanged {
                let raised = Level(rawValue: current + 1)!
                // Observers first (they note and acknowledge the stop), then the level shows and whatever waited for
                // it goes on: a run that stops while it waits for its window says it heard the stop before it says
                // how it ended, whoever looks at the level when.
                for observer in waiters.withLock({ Array($0.observers.values) }) { observer(raised) }
                var shown = level.load(ordering: .sequentiallyConsistent)
                while shown < raised.rawValue {
                    let (stored, found) = level.compareExchange(
                        expected: shown, desired: raised.rawValue, ordering: .sequentiallyConsistent)
                    if stored { break }
                    shown = found
                }
                if current == Level.none.rawValue { wakeWaiters() }
                return raised
            }
            current = original
        }
        return .abort
    }

    public var current: Level { Level(rawValue: level.load(ordering: .sequentiallyConsistent))! }
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

    /// Calls `body` with each level the signal is raised to from now on (on the raising thread, once per level), until
    /// the observation is cancelled: what the run does about a stop (a journal note, a line, aborting steps) hangs
    /// here, while whoever hears the operator (a signal handler) only calls `escalate`.
    public func observe(_ body: @escaping @Sendable (Level) -> Void) -> Observation {
        let id = waiters.withLock { state in
            defer { state.next += 1 }
            state.observers[state.next] = body
            return state.next
        }
        return Observation(id: id, signal: self)
    }

    private func wakeWaiters() {
        let woken = waiters.withLock { state in
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for waiter in woken { waiter.resume() }
    }
}
