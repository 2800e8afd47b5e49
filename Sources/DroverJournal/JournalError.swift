/// A journal problem a user reads: one sentence, with a code scripts and callers can match.
public struct JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The journal could not be opened, created or migrated (read-only location, full disk, not a database).
        case unavailable
        /// A write failed.
        case writeFailed
        /// The journal's server could not be reached, or stopped answering (a network or server outage). A write may
        /// or may not have committed (its answer was lost): a numbered append may be sent again at the same numbers.
        case unreachable
        /// No run has that id.
        case unknownRun
        /// A run with that id exists already.
        case duplicateRun
        /// What is stored cannot be read back (a damaged file).
        case corrupt
        /// What is stored was written by a newer Drover: this one cannot read it.
        case newerVersion
        /// An append at a known sequence number found another event there (another writer appended into the run's
        /// chain): nothing was written; re-read the head and append after it.
        case sequenceTaken
        /// The fencing check of an append failed: the writer no longer holds the lease on a machine a `step_started`
        /// is for. Nothing was written; `losses` names the machines.
        case leaseLost
    }

    public var code: Code
    public var message: String
    /// For `leaseLost`: each machine whose lease the writer no longer holds, and why.
    public var losses: [LeaseLoss]

    public init(_ code: Code, _ message: String, losses: [LeaseLoss] = []) {
        self.code = code
        self.message = message
        self.losses = losses
    }

    public var description: String { message }

    /// No run `id` in the journal.
    public static func unknownRun(_ id: String) -> JournalError {
        JournalError(.unknownRun, "the journal has no run '\(id)' (drover runs lists them)")
    }
}
