import Synchronization

/// How far a run has been asked to stop (Ctrl-C once: finish in-flight steps; twice: abort them).
public final class StopSignal: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case none, finishInFlight, abort
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let level = Atomic<Int>(0)

    public init() {}

    /// Raises the level one step (the first request finishes in-flight work, the second aborts it).
    @discardableResult
    public func escalate() -> Level {
        var current = level.load(ordering: .relaxed)
        while current < Level.abort.rawValue {
            let (exchanged, original) = level.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return Level(rawValue: current + 1)! }
            current = original
        }
        return .abort
    }

    public var current: Level { Level(rawValue: level.load(ordering: .relaxed))! }
    public var isStopping: Bool { current != .none }
}
