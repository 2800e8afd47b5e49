public import DroverModel

/// How a run ended, for the recap table and the exit status.
public struct RunSummary: Sendable {
    public var runID: String
    public var status: RunStatus
    /// One sentence: why the run ended as it did.
    public var reason: String
    /// Every targeted host, in inventory order.
    public var hosts: [HostSummary]
    public var decisions: [Decision]
    public var duration: Duration
    /// The decision that stopped the run without rollback (window closing, `on_overrun: halt`), if one did.
    public var stopped: Decision? = nil
}

/// One host's part in a run.
public struct HostSummary: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Every step it was given passed.
        case ok
        /// A step failed and the host was not rolled back (`on_host_failure: leave`, or no rollback steps).
        case failed
        /// Changed, then rolled back successfully (after its own failure or the run's halt).
        case rolledBack = "rolled_back"
        /// Its rollback failed: it needs a person.
        case rollbackFailed = "rollback_failed"
        /// Never reached: the run halted or stopped first, or no stage targets it.
        case skipped
        /// Stopped by the operator (or a journal that could not record its next step) part-way through its steps;
        /// `resume` continues it.
        case interrupted
        /// The run lost its lease on it: nothing more was started there (another run may hold it now). `resume`
        /// continues it once the lease is free.
        case leaseLost = "lease_lost"
    }

    public var name: String
    public var state: State
    /// Steps run on it (checks included), rollback steps excluded.
    public var steps: Int
    /// What went wrong, when something did.
    public var reason: String?
    public var duration: Duration
}
