public import DroverEngine
public import DroverModel
import Synchronization

/// A `BatchGate` for tests: each point's answer comes from a closure; every question is kept, in order.
public final class ScriptedGate: BatchGate, Sendable {
    /// Where a gate was asked, for assertions: `before 0/1`, `steps 0/1`, `after 0/1` (stage/batch).
    public var asked: [String] { log.withLock { $0 } }

    private let log = Mutex<[String]>([])
    private let before: @Sendable (BatchGateInput) -> Decision?
    private let steps: @Sendable (BatchOutcome) -> Decision?
    private let after: @Sendable (BatchOutcome) -> Decision?

    public init(
        before: @escaping @Sendable (BatchGateInput) -> Decision? = { _ in nil },
        steps: @escaping @Sendable (BatchOutcome) -> Decision? = { _ in nil },
        after: @escaping @Sendable (BatchOutcome) -> Decision? = { _ in nil }
    ) {
        self.before = before
        self.steps = steps
        self.after = after
    }

    public func beforeBatch(_ batch: BatchGateInput) async -> Decision? {
        log.withLock { $0.append("before \(batch.stage)/\(batch.batch)") }
        return before(batch)
    }

    public func afterSteps(_ batch: BatchOutcome) async -> Decision? {
        log.withLock { $0.append("steps \(batch.stage)/\(batch.batch)") }
        return steps(batch)
    }

    public func afterBatch(_ batch: BatchOutcome) async -> Decision? {
        log.withLock { $0.append("after \(batch.stage)/\(batch.batch)") }
        return after(batch)
    }
}
