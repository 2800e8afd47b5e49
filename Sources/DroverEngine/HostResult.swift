/// What one host did in one batch of a stage: the fact the engine hands to its `RolloutLedger`.
public struct HostResult: Sendable, Hashable {
    /// How the host's part in the batch ended.
    public enum Ending: Sendable, Hashable {
        /// Every step it was given passed (or was skipped, or failed with `ignore_errors`).
        case passed
        /// A step failed (after its retries), or the run halted with the host half-way.
        case failed(step: String, reason: String)
        /// Stopped before its remaining steps, by the operator or because the journal could not record the next
        /// one: not failed; `drover resume` continues it.
        case interrupted(reason: String)
        /// It did nothing: the run stopped, or a critical step failed elsewhere, before its first step.
        case notStarted(reason: String?)
        /// The run no longer holds the host's lease: nothing more starts on it, and it is neither failed nor
        /// succeeded (another run may be working on it).
        case leaseLost(reason: String)
    }

    /// What became of the host's own rollback after its failure.
    public enum Rollback: Sendable, Hashable {
        /// Not run: the host did not fail, did not change, the stage leaves failed hosts as they are or defines no
        /// rollback steps.
        case notAttempted
        /// Its rollback steps all passed: the stage's change is undone.
        case succeeded
        /// A rollback step failed: the host is half-undone and needs a person.
        case failed
    }

    public var host: String
    public var ending: Ending
    /// A step that changes hosts ran on it (in `--check` mode, never).
    public var changed: Bool
    /// Steps it ran or replayed, rollback steps excluded.
    public var steps: Int
    public var duration: Duration
    public var rollback: Rollback

    public init(
        host: String, ending: Ending = .passed, changed: Bool = false, steps: Int = 0, duration: Duration = .zero,
        rollback: Rollback = .notAttempted
    ) {
        self.host = host
        self.ending = ending
        self.changed = changed
        self.steps = steps
        self.duration = duration
        self.rollback = rollback
    }

    public var failed: Bool {
        if case .failed = ending { return true }
        return false
    }

    public var lostLease: Bool {
        if case .leaseLost = ending { return true }
        return false
    }

    /// Counts as a success in the batch's verdict: it passed every step and ran at least one.
    public var succeeded: Bool { ending == .passed && steps > 0 }

    /// Back into service after the batch (`after_batch`): it did not fail (a host stopped part-way by the operator
    /// goes back too, as it did before the stop), or it failed and was cleanly rolled back. A host whose lease was
    /// lost is not touched again, so it is not put back.
    public var returnsToService: Bool {
        switch ending {
        case .passed, .interrupted, .notStarted: return true
        case .failed: return rollback == .succeeded
        case .leaseLost: return false
        }
    }
}
