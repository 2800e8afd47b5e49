public import DroverModel

/// What a batch did: what a `BatchGate` judges after the batch's steps (`afterSteps`) and after the batch
/// (`afterBatch`). A retried batch is judged on each host's latest result.
public struct BatchOutcome: Sendable, Hashable {
    public var stage: Int
    public var batch: Int
    public var stageName: String
    /// The hosts that take part in the verdict: the batch's hosts but those whose lease was lost.
    public var hosts: [String]
    /// Hosts that passed every step.
    public var succeeded: [String]
    /// Hosts that failed.
    public var failed: [String]
    /// The stage's failed hosts so far, this batch included.
    public var stageFailed: Int
    /// The critical step that failed in the batch's latest pass, if one did.
    public var critical: CriticalStep?
    /// The stage's limits from the playbook.
    public var limits: DecisionRules.Limits
    /// How long each batch of this run took so far (this one included once its `after_batch` steps ran).
    public var measured: [Duration]
    /// Time since the run started, less the time its pauses waited for an answer (`BatchTime.worked`).
    public var elapsed: Duration
    /// The decisions the run took so far, in order.
    public var decisions: [Decision]

    public init(
        stage: Int, batch: Int, stageName: String, hosts: [String], succeeded: [String], failed: [String],
        stageFailed: Int, critical: CriticalStep? = nil, limits: DecisionRules.Limits = .init(),
        measured: [Duration] = [], elapsed: Duration = .zero, decisions: [Decision] = []
    ) {
        self.stage = stage
        self.batch = batch
        self.stageName = stageName
        self.hosts = hosts
        self.succeeded = succeeded
        self.failed = failed
        self.stageFailed = stageFailed
        self.critical = critical
        self.limits = limits
        self.measured = measured
        self.elapsed = elapsed
        self.decisions = decisions
    }
}
