public import DroverModel

/// The failure rules after every batch (SPEC section 4, `DecisionRules.afterBatch`): a critical step failed, the
/// whole batch failed, `max_fail_percentage` or `max_failures` exceeded → halt; else continue, with the numbers.
public struct FailureLimitsGate: BatchGate {
    public init() {}

    public func afterBatch(_ batch: BatchOutcome) async -> Decision? {
        DecisionRules.afterBatch(
            stage: batch.stage, batch: batch.batch, batchSize: batch.hosts.count, batchFailed: batch.failed.count,
            stageFailed: batch.stageFailed, critical: batch.critical.map { ($0.step, $0.host) }, limits: batch.limits)
    }
}
