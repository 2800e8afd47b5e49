import DroverModel
public import Foundation

/// The durable maintenance journal: runs, their append-only hash-chained event stream, per-host step results,
/// decisions and host locks (SPEC section 6).
///
/// The engine and the CLI know only this protocol. `SQLiteJournal` is the embedded default; a shared server
/// backend (PostgreSQL, SPEC section 9) implements the same calls. Nothing here assumes a local file.
///
/// Invariants every backend keeps:
/// - `append` returns only once the entry is durable (write-ahead: the engine announces a step before running it).
/// - Each run's events are numbered 1, 2, 3… and each carries `EventChain.hash` of the previous event's hash and
///   its own canonical content; the run record keeps the head (count and last hash).
/// - Events are never updated or deleted through the journal.
/// - A host is leased by at most one run at a time; expired leases do not count.
public protocol Journal: Sendable {
    /// Records a new run (status running) before anything touches a host.
    /// - Throws: `JournalError` when the run id exists or the journal cannot be written.
    func begin(_ run: RunRecord) throws

    /// Appends an entry to a run's chain and updates the derived tables (run status, step results, decisions) in
    /// the same durable write.
    /// - Returns: the stored event, with its sequence number and hashes.
    @discardableResult
    func append(_ entry: JournalEntry, run: String) throws -> JournalEvent

    /// Appends several entries to a run's chain, in order, in one durable write (group commit): all of them or,
    /// when it throws, none.
    @discardableResult
    func append(_ entries: [JournalEntry], run: String) throws -> [JournalEvent]

    /// One run, or nil when the journal has no run with that id.
    func run(_ id: String) throws -> RunRecord?

    /// Runs started at or after `since` (every run when nil), newest first.
    func runs(since: Date?) throws -> [RunRecord]

    /// A run's events in sequence order, as stored (hashes are not checked: see `verify`).
    func events(run: String) throws -> [JournalEvent]

    /// A run's per-host step results, in the order the steps started.
    func stepResults(run: String) throws -> [StepResult]

    /// Takes (or renews) a lease on each host for the run, all or nothing.
    /// - Returns: the leases held by other runs that stand in the way (empty: every lease was granted).
    func acquireLocks(_ request: LockRequest) throws -> [HostLock]

    /// Extends every lease the run holds to `until`.
    func renewLocks(run: String, until: Date) throws

    /// Gives up every lease the run holds.
    func releaseLocks(run: String) throws

    /// Breaks the leases on `hosts`, whoever holds them, recording a `lock_broken` note in each holder's chain.
    /// - Returns: the leases that were broken.
    func breakLocks(hosts: [String], by operator: String) throws -> [HostLock]

    /// Every lease on record, expired or not, by host name.
    func locks() throws -> [HostLock]
}

extension Journal {
    /// Recomputes the hash chain of one run, or of every run, and reports the first problem in each.
    public func verify(run id: String? = nil) throws -> [ChainReport] {
        let records: [RunRecord]
        if let id {
            guard let record = try run(id) else { throw JournalError.unknownRun(id) }
            records = [record]
        } else {
            records = try runs(since: nil).reversed()
        }
        return try records.map { record in
            try ChainReport(run: record.id, events: 0, problem: nil).checking(events(run: record.id), head: record.head)
        }
    }
}
