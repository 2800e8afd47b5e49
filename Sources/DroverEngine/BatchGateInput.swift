public import DroverModel

/// What the engine knows just before it starts a batch: what a `BatchGate` judges at its `beforeBatch` point.
public struct BatchGateInput: Sendable, Hashable {
    public var stage: Int
    /// The batch's index within its stage.
    public var batch: Int
    public var stageName: String
    /// The batch's hosts.
    public var hosts: [String]
    /// How long each batch of this run took so far, every stage, in the order they ran (empty before the first).
    public var measured: [Duration]
    /// Time since the run started, less the time its pauses waited for an answer (`BatchTime.worked`).
    public var elapsed: Duration
    /// The time its pauses waited for an answer, left out of `elapsed` (overrun says so).
    public var waitedForOperator: Duration
    /// Every host of the stage (`min_healthy` counts them).
    public var stageHostCount: Int
    /// The stage's hosts that failed so far (they are out of service).
    public var stageFailed: Int
    /// The stage's limits from the playbook.
    public var limits: DecisionRules.Limits
    /// The change's estimate (`change.estimate`), for overrun.
    public var estimate: Duration?
    /// The decisions the run took so far, in order.
    public var decisions: [Decision]

    public init(
        stage: Int, batch: Int, stageName: String, hosts: [String], measured: [Duration], elapsed: Duration,
        stageHostCount: Int = 0, stageFailed: Int = 0, limits: DecisionRules.Limits = .init(),
        estimate: Duration? = nil, decisions: [Decision] = [], waitedForOperator: Duration = .zero
    ) {
        self.stage = stage
        self.batch = batch
        self.stageName = stageName
        self.hosts = hosts
        self.measured = measured
        self.elapsed = elapsed
        self.stageHostCount = stageHostCount
        self.stageFailed = stageFailed
        self.limits = limits
        self.estimate = estimate
        self.decisions = decisions
        self.waitedForOperator = waitedForOperator
    }
}
