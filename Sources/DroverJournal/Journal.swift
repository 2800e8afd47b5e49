import DroverModel
public import Foundation

/// The durable maintenance journal: runs, their append-only hash-chained event stream, per-host step results,
/// decisions and machine leases (SPEC sections 6 and 9).
///
/// The runtime and the CLI know only this protocol; the engine knows only its event sink. `SQLiteJournal` is the
/// embedded default; a shared server backend (PostgreSQL, SPEC section 9) implements the same calls, and every
/// backend passes the same conformance suite. Nothing here assumes a local file or the caller's clock.
///
/// Invariants every backend keeps:
/// - `append` returns only once the entries are durable (write-ahead: the engine announces a step before running
///   it), all of them or, when it throws, none.
/// - Each run's events are numbered 1, 2, 3… and each carries `EventChain.hash` of the previous event's hash and
///   its own canonical content; the run record keeps the head (count and last hash).
/// - An append at known sequence numbers is idempotent: entries already stored there with the same kind and payload
///   are returned as stored, never written twice (a retry after a lost commit acknowledgement is safe).
/// - Derived rows follow `JournalProjection`, in the same transaction as their entry.
/// - Events are never updated or deleted through the journal.
/// - A machine is leased by at most one holder at a time; expiry is judged by the journal's own clock (`now()`),
///   never the caller's.
public protocol Journal: Sendable {
    /// Records a new run (status running) before anything touches a host.
    /// - Throws: `JournalError` when the run id exists or the journal cannot be written.
    func begin(_ run: RunRecord) async throws

    /// Appends entries to a run's chain, in order, in one durable write (group commit), updating the derived rows
    /// in the same transaction.
    /// - Parameters:
    ///   - sequence: the number the first entry should get, when the writer knows it. An entry whose number already
    ///     holds the same kind and payload is ours (a retry): it is returned as stored, not written again. A number
    ///     that holds another event throws `.sequenceTaken` (another writer appended): re-read the head and append
    ///     the rest after it. Nil: the entries take the next free numbers.
    ///   - fence: the fencing check for the `step_started` entries written (see `LeaseFence`); `.leaseLost` when it
    ///     fails.
    /// - Returns: the stored events, with their sequence numbers and hashes.
    /// - Throws: `JournalError`; nothing of the append is written when it throws.
    @discardableResult
    func append(_ entries: [JournalEntry], run: String, at sequence: Int?, fence: LeaseFence?) async throws
        -> [JournalEvent]

    /// One run, or nil when the journal has no run with that id.
    func run(_ id: String) async throws -> RunRecord?

    /// Runs started at or after `since` (every run when nil), newest first.
    func runs(since: Date?) async throws -> [RunRecord]

    /// A run's events numbered after `sequence`, in order, as stored (hashes are not checked: see `verify`).
    func events(run: String, after sequence: Int) async throws -> [JournalEvent]

    /// A run's per-host step results, in the order the steps started.
    func stepResults(run: String) async throws -> [StepResult]

    /// The journal's clock: what lease expiry is judged by (SQLite: its injected clock; a server: its own `now()`).
    func now() async throws -> Date

    /// Takes (or renews) the lease on every machine of the request, all or nothing, judged at the journal's clock
    /// (`LeaseRules.acquire`).
    /// - Returns: the machines another holder has (empty: every lease was granted).
    func acquireLeases(_ request: LeaseRequest) async throws -> [LeaseConflict]

    /// Extends the holder's leases on `machines` by `ttl` from the journal's clock, and reports each one it no longer
    /// holds (broken, lapsed, taken) instead of renewing it.
    func renewLeases(_ holder: LeaseHolder, machines: [String], ttl: Duration) async throws -> LeaseRenewal

    /// Gives up every lease the holder has on record (held, broken or lapsed).
    func releaseLeases(_ holder: LeaseHolder) async throws

    /// Breaks each of `leases` that still has the same holder, recording a `lock_broken` note (who did it) in each
    /// holder's chain, in the same transaction.
    /// - Returns: the leases broken, as they were.
    func breakLeases(_ leases: [Lease], by operator: String) async throws -> [Lease]

    /// Every lease on record, held, lapsed or broken, by machine key.
    func leases() async throws -> [Lease]

    /// Records a run copied from another journal as it was (`drover journal copy`): its record as at its start, and
    /// its events with their own numbers, times and hashes, the derived rows following `JournalProjection`, in one
    /// transaction. The caller checks the chain first (`JournalCopy`).
    /// - Throws: `.duplicateRun` when the journal has a run with that id; nothing is written when it throws.
    func restore(_ run: RunRecord, events: [JournalEvent]) async throws

    /// Follows a run as it is written, by any controller: its events numbered after `sequence`, in order, in batches as
    /// they are stored, and an empty batch after each `heartbeat` in which nothing was stored (for the caller to look
    /// at the run's leases: a run whose controller died stalls without a word). It ends when the consuming task is
    /// cancelled, and throws when the journal cannot be read (the caller may follow again from its last event).
    ///
    /// The default polls `events(run:after:)` every 200 ms (an embedded journal has no one to push); a server backend
    /// pushes (PostgreSQL: LISTEN/NOTIFY).
    func follow(run: String, after sequence: Int, heartbeat: Duration) -> AsyncThrowingStream<[JournalEvent], any Error>
}

extension Journal {
    public func follow(run: String, after sequence: Int, heartbeat: Duration) -> AsyncThrowingStream<
        [JournalEvent], any Error
    > {
        let (stream, continuation) = AsyncThrowingStream<[JournalEvent], any Error>.makeStream()
        let task = Task {
            let poll = Duration.milliseconds(200)
            var last = sequence
            var quiet = Duration.zero
            do {
                while !Task.isCancelled {
                    let events = try await self.events(run: run, after: last)
                    if let newest = events.last {
                        last = newest.sequence
                        quiet = .zero
                        continuation.yield(events)
                    } else if quiet >= heartbeat {
                        quiet = .zero
                        continuation.yield([])
                    }
                    try await Task.sleep(for: poll)
                    quiet += poll
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Appends entries at the next free numbers, unfenced (notes from other commands).
    @discardableResult
    public func append(_ entries: [JournalEntry], run: String) async throws -> [JournalEvent] {
        try await append(entries, run: run, at: nil, fence: nil)
    }

    /// Appends one entry at the next free number, unfenced.
    @discardableResult
    public func append(_ entry: JournalEntry, run: String) async throws -> JournalEvent {
        try await append([entry], run: run, at: nil, fence: nil)[0]
    }

    /// A run's events in sequence order.
    public func events(run: String) async throws -> [JournalEvent] {
        try await events(run: run, after: 0)
    }

    /// Recomputes the hash chain of one run, or of every run, and reports the first problem in each; a run whose
    /// events cannot be read is reported as such, and the others are still checked.
    public func verify(run id: String? = nil) async throws -> [ChainReport] {
        let records: [RunRecord]
        if let id {
            guard let record = try await run(id) else { throw JournalError.unknownRun(id) }
            records = [record]
        } else {
            records = try await runs(since: nil).reversed()
        }
        var reports: [ChainReport] = []
        for record in records {
            let blank = ChainReport(run: record.id, events: 0, problem: nil)
            do {
                reports.append(blank.checking(try await events(run: record.id), head: record.head))
            } catch let error as JournalError {
                reports.append(
                    ChainReport(
                        run: record.id, events: 0,
                        problem: ChainProblem(sequence: 1, kind: nil, message: "its events cannot be read: \(error)")))
            }
        }
        return reports
    }
}
