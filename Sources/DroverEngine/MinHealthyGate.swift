public import DroverModel

/// `min_healthy`: a batch never starts if fewer than that many of the stage's hosts would stay in service
/// (`DecisionRules.beforeBatch`).
public struct MinHealthyGate: BatchGate {
    public init() {}

    public func beforeBatch(_ batch: BatchGateInput) async -> Decision? {
        DecisionRules.beforeBatch(
            stage: batch.stage, batch: batch.batch, batchSize: batch.hosts.count, stageHosts: batch.stageHostCount,
            failed: batch.stageFailed, limits: batch.limits)
    }
}
