/// What the engine knows just before it starts a batch: passed to `RolloutEngine.Configuration.batchGate`, which
/// may stop the run there (window fit).
public struct BatchGateInput: Sendable, Hashable {
    public var stage: Int
    /// The batch's index within its stage.
    public var batch: Int
    public var stageName: String
    public var hosts: [String]
    /// How long each batch of this run took so far, every stage, in the order they ran (empty before the first).
    public var measured: [Duration]
    /// Time since the run started.
    public var elapsed: Duration

    public init(stage: Int, batch: Int, stageName: String, hosts: [String], measured: [Duration], elapsed: Duration) {
        self.stage = stage
        self.batch = batch
        self.stageName = stageName
        self.hosts = hosts
        self.measured = measured
        self.elapsed = elapsed
    }
}
