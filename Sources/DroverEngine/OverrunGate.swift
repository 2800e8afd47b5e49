public import DroverModel

/// Overrun: once the run has taken longer than its estimate × `factor`, the policy's `on_overrun` decides
/// (`DecisionRules.overrun`): halt and roll back, stop (PARTIAL), or warn. It speaks once a run: after a warning
/// the run goes on without another.
public struct OverrunGate: BatchGate {
    public var factor: Double
    public var action: OverrunAction
    /// The least the run's analyses keep its batches (`BatchTime.analysisSoak`): the estimate is never judged
    /// shorter.
    public var analysisSoak: Duration

    public init(factor: Double = 1.5, action: OverrunAction = .haltAndRollback, analysisSoak: Duration = .zero) {
        self.factor = factor
        self.action = action
        self.analysisSoak = analysisSoak
    }

    public func beforeBatch(_ batch: BatchGateInput) async -> Decision? {
        guard !batch.decisions.contains(where: { $0.rule == .overrun }) else { return nil }
        return DecisionRules.overrun(
            stage: batch.stage, batch: batch.batch, elapsed: batch.elapsed, estimate: batch.estimate, factor: factor,
            action: action, waitedForOperator: batch.waitedForOperator, analysisSoak: analysisSoak)
    }
}
