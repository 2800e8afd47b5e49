public import DroverModel

/// Runs a playbook across the fleet: stages in order, batches by `serial`, hosts of a batch concurrently (up to
/// `forks`), each host's steps in order over its one session. Around each batch its `BatchGate`s decide whether to
/// go on; on a halt nothing new starts and every changed host is rolled back (`RollbackPlan`), stages in reverse
/// order and batches in reverse order; a pause waits for an operator's answer (`OperatorDecisions`). Everything
/// that happens is reported as `RunEvent`s, in order, before the next thing starts; a step starts only once its
/// announcement is durable.
///
/// What is where: `RolloutRun` is one run's stage and batch loop, `HostWorker` the steps on hosts,
/// `RolloutLedger` the bookkeeping (a value), `RollbackPlan` the halt's order (pure).
public struct RolloutEngine: Sendable {
    public struct Configuration: Sendable {
        public var runID: String
        public var forks: Int
        /// `--check`: connect and run checks, change nothing.
        public var checkOnly: Bool
        /// Where the playbook lives: `upload` and `script` paths are relative to it.
        public var baseDirectory: String
        /// Asked around every batch, in this order (see `BatchGate`); `.standard(…)` is the built-in list.
        public var gates: [any BatchGate]
        /// Answers pauses; nil: a pause is answered at once by its default (rollback), saying nobody could be asked.
        public var operatorDecisions: (any OperatorDecisions)?
        /// How long a pause waits for an answer when its decision names no timeout of its own.
        public var pauseTimeout: Duration
        /// How many times one batch may be retried on an operator's answer; a retry past it is taken as rollback.
        public var retryLimit: Int
        /// False when the caller already emitted `run_started` (it checks the policy first, and a refused run is
        /// a run too: `run_started`, `policy_checked`, `run_finished`).
        public var announcesStart = true
        /// `drover resume`: the steps an interrupted run of the same `runID` already finished; they are not run
        /// again (see `ResumeState`). Nil for a fresh run.
        public var resume: ResumeState?

        public init(
            runID: String, forks: Int = 200, checkOnly: Bool = false, baseDirectory: String = "",
            gates: [any BatchGate] = .standard(), operatorDecisions: (any OperatorDecisions)? = nil,
            pauseTimeout: Duration = .seconds(30 * 60), retryLimit: Int = 3, resume: ResumeState? = nil
        ) {
            self.runID = runID
            self.forks = max(1, forks)
            self.checkOnly = checkOnly
            self.baseDirectory = baseDirectory
            self.gates = gates
            self.operatorDecisions = operatorDecisions
            self.pauseTimeout = pauseTimeout
            self.retryLimit = max(0, retryLimit)
            self.resume = resume
        }
    }

    public var playbook: Playbook
    public var inventory: Inventory
    /// The hosts the run may touch (the inventory after `--limit`), in inventory order.
    public var targets: [Host]
    public var configuration: Configuration
    public var transport: any HostTransport
    public var stop: StopSignal
    /// Receives every event, in order, before the thing it announces happens, and says what became of it. The
    /// engine waits for it: a `stepStarted` must come back `.durable` before the step runs (write-ahead);
    /// `.leaseLost` takes the step's host out of the run, `.failed` stops everything new (the run ends
    /// INTERRUPTED). Which host a step is on for fencing is the sink's business (`delegatedTo ?? host`); the engine
    /// reacts for the step's `host`.
    public var events: @Sendable (RunEvent) async -> Recorded
    /// Waits between batches, for `wait` steps, retry delays and a pause's timeout (tests pass a manual clock's).
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Reads `become` passwords from where the inventory says they are (tests pass their own).
    public var becomePassword: @Sendable (ConnectionSettings.PasswordSource) -> String? = StepRunner.readPassword
    /// The monotonic clock run and batch durations are measured with (tests inject a manual one).
    public var now: @Sendable () -> ContinuousClock.Instant

    public init(
        playbook: Playbook, inventory: Inventory, targets: [Host], configuration: Configuration,
        transport: any HostTransport, stop: StopSignal = StopSignal(),
        events: @escaping @Sendable (RunEvent) async -> Recorded,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.now = now
        self.playbook = playbook
        self.inventory = inventory
        self.targets = targets
        self.configuration = configuration
        self.transport = transport
        self.stop = stop
        self.events = events
        self.sleep = sleep
    }

    /// Runs the playbook to its end (success, halt and rollback, stop, or interruption).
    public func run() async -> RunSummary {
        let pool = ConnectionPool(transport: transport)
        var run = RolloutRun(engine: self, pool: pool)
        let summary = await run.run()
        // In a task of its own, which an abort (cancelling this one) does not reach: closing a session waits
        // until a step cut short on it has been ended on the host.
        await Task { await pool.closeAll() }.value
        return summary
    }
}
