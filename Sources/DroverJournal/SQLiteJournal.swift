import DroverModel
public import Foundation
import GRDB

/// The embedded journal: one SQLite database in WAL mode (GRDB), `synchronous = FULL` so a committed event survives
/// a crash or power loss, schema managed by `DatabaseMigrator` (see `SQLiteJournal+Schema.swift`).
///
/// Every write is one immediate transaction through GRDB's async API (the database work runs on GRDB's own queue;
/// Swift's cooperative threads only await it): an append's events, hash links, fencing check and derived rows
/// commit together or not at all. Several controllers may share one file: writes wait up to `busyTimeout` for each
/// other. Lease expiry is judged by `now`, the journal's clock.
public final class SQLiteJournal: Journal {
    let writer: any DatabaseWriter
    let clock: @Sendable () -> Date
    /// Where the database lives (`:memory:` for an in-memory journal).
    public let path: String

    /// Opens (creating and migrating as needed) the journal at `path`; its directory is created if missing.
    /// - Parameters:
    ///   - now: the journal's clock: events are stamped and leases judged by it (tests pass a manual one).
    ///   - busyTimeout: how long a write waits for another controller's.
    /// - Throws: `JournalError` (`unavailable`) naming the path and the cause: a read-only location, a full disk,
    ///   a file that is not a journal.
    public init(
        path: String, now: @escaping @Sendable () -> Date = { Date() }, busyTimeout: TimeInterval = 10
    ) throws {
        self.path = path
        self.clock = now
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        } catch {
            throw JournalError(.unavailable, "cannot create the journal's directory \(directory): \(Self.cause(error))")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            // Two controllers opening a new journal at the same moment would both switch it to WAL and both create
            // the schema (one fails: "database is locked", "table runs already exists"): opening is done by one
            // process at a time.
            let opening = try OpeningLock(path: path, timeout: busyTimeout)
            defer { opening.release() }
            let pool = try DatabasePool(path: path, configuration: configuration)
            self.writer = pool
            try Self.migrator.migrate(pool)
        } catch let error as JournalError {
            throw error
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_CORRUPT {
            throw JournalError(.corrupt, "the journal \(path) is damaged (\(Self.cause(error))): cannot open it")
        } catch {
            throw JournalError(.unavailable, "cannot open the journal \(path): \(Self.cause(error))")
        }
    }

    /// SQLite's verdict that the file is not (or no longer) a sound database.
    static func isDamage(_ error: DatabaseError) -> Bool {
        [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode.primaryResultCode)
    }

    /// An in-memory SQLite journal (same schema and behaviour, nothing on disk).
    public init(inMemoryNow now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.path = ":memory:"
        self.clock = now
        let queue = try DatabaseQueue()
        self.writer = queue
        try Self.migrator.migrate(queue)
    }

    /// One line: SQLite's message, never a multi-line dump.
    static func cause(_ error: any Error) -> String {
        let text: String
        if let error = error as? DatabaseError {
            text = error.message ?? "\(error.resultCode)"
        } else if let error = error as? CocoaError, let underlying = error.underlying {
            text = underlying.localizedDescription
        } else {
            text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// A database error as a journal error naming the file: a damaged file says so.
    func failure(_ error: any Error, _ what: String, code: JournalError.Code) -> JournalError {
        if let error = error as? JournalError { return error }
        if let error = error as? DatabaseError,
            [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode.primaryResultCode)
        {
            return JournalError(.corrupt, "the journal \(path) is damaged (\(Self.cause(error))): cannot \(what)")
        }
        if error is RowDecodingError {
            return JournalError(
                .corrupt, "the journal \(path) is damaged: cannot \(what): a stored value has the wrong type")
        }
        return JournalError(code, "journal \(path): cannot \(what): \(Self.cause(error))")
    }

    /// Runs `body` in an immediate transaction, mapping database errors to `JournalError`.
    func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.writeWithoutTransaction { db in
                var value: T?
                try db.inTransaction(.immediate) {
                    value = try body(db)
                    return .commit
                }
                return value!
            }
        } catch {
            throw failure(error, what, code: .writeFailed)
        }
    }

    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw failure(error, what, code: .unavailable)
        }
    }

    public func now() async throws -> Date { clock() }

    // MARK: Runs

    public func begin(_ run: RunRecord) async throws {
        try await write("record run \(run.id)") { db in try Self.insert(run, db: db) }
    }

    public func restore(_ run: RunRecord, events: [JournalEvent]) async throws {
        try await write("copy run \(run.id)") { db in
            try Self.insert(run, db: db)
            let startedAt = EventChain.date(EventChain.timestamp(run.startedAt)) ?? run.startedAt
            for event in events {
                try db.cachedStatement(
                    sql:
                        "INSERT INTO events (run_id, seq, time, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ).execute(
                    arguments: [
                        run.id, event.sequence, event.timestamp, event.kind, event.payload, event.previousHash, event.hash,
                    ])
                for change in JournalProjection.changes(restoring: event, runStartedAt: startedAt) {
                    try self.apply(change, run: run.id, db: db)
                }
            }
            let head = ChainHead(count: events.count, hash: events.last?.hash ?? EventChain.genesis)
            try db.execute(
                sql: "UPDATE runs SET event_count = ?, head_hash = ? WHERE id = ?",
                arguments: [head.count, head.hash, run.id])
        }
    }

    /// Inserts a new run (running, an empty chain) in the caller's transaction.
    private static func insert(_ run: RunRecord, db: Database) throws {
        let outline = String(decoding: try JSONEncoder().encode(run.outline), as: UTF8.self)
        let inputs = String(decoding: try JSONEncoder().encode(run.inputs), as: UTF8.self)
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE id = ?", arguments: [run.id]) == true {
            throw JournalError(.duplicateRun, "the journal already has a run '\(run.id)'")
        }
        try db.execute(
            sql: """
                INSERT INTO runs (id, playbook, playbook_path, playbook_hash, inventory_path, host_limit, ssh_config,
                    forks, environment, operator, change_type, change_id, approved_by, estimate_ms, host_count,
                    check_only, outline, started_at, status, event_count, head_hash, inputs)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', 0, ?, ?)
                """,
            arguments: [
                run.id, run.playbook, run.playbookPath, run.playbookHash, run.inventoryPath, run.limit,
                run.sshConfig, run.forks, run.environment, run.operator, run.change.type.rawValue, run.change.id,
                run.change.approvedBy, run.change.estimate.map(JournalProjection.milliseconds), run.hostCount,
                run.checkOnly, outline, EventChain.timestamp(run.startedAt), EventChain.genesis, inputs,
            ])
    }

    public func run(_ id: String) async throws -> RunRecord? {
        try await read("read run \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    public func runs(since: Date?) async throws -> [RunRecord] {
        try await read("list its runs") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at DESC, id DESC",
                arguments: [since.map(EventChain.timestamp) ?? ""]
            ).map(Self.record)
        }
    }

    /// A `runs` row as a record. Throws (never traps) on a value of the wrong type: the file may be damaged.
    static func record(_ row: Row) throws -> RunRecord {
        let outline = (try row.decode(String?.self, forColumn: "outline")).flatMap {
            try? JSONDecoder().decode([StageOutline].self, from: Data($0.utf8))
        }
        let inputs = (try row.decode(String?.self, forColumn: "inputs")).flatMap {
            try? JSONDecoder().decode(RunInputs.self, from: Data($0.utf8))
        }
        let status: String = try row.decode(forColumn: "status")
        return RunRecord(
            id: try row.decode(forColumn: "id"), playbook: try row.decode(forColumn: "playbook"),
            playbookPath: try row.decode(forColumn: "playbook_path"),
            playbookHash: try row.decode(forColumn: "playbook_hash"),
            inventoryPath: try row.decode(forColumn: "inventory_path"), limit: try row.decode(forColumn: "host_limit"),
            sshConfig: try row.decode(forColumn: "ssh_config"), forks: try row.decode(forColumn: "forks"),
            environment: try row.decode(forColumn: "environment"), operator: try row.decode(forColumn: "operator"),
            change: ChangeInfo(
                type: ChangeInfo.Kind(rawValue: try row.decode(forColumn: "change_type")) ?? .routine,
                id: try row.decode(forColumn: "change_id"), approvedBy: try row.decode(forColumn: "approved_by"),
                estimate: (try row.decode(Int64?.self, forColumn: "estimate_ms")).map { .milliseconds($0) }),
            hostCount: try row.decode(forColumn: "host_count"), checkOnly: try row.decode(forColumn: "check_only"),
            outline: outline ?? [],
            startedAt: EventChain.date(try row.decode(forColumn: "started_at")) ?? .distantPast,
            finishedAt: (try row.decode(String?.self, forColumn: "finished_at")).flatMap(EventChain.date),
            status: RunStatus(rawValue: status), reason: try row.decode(forColumn: "reason"),
            duration: (try row.decode(Int64?.self, forColumn: "duration_ms")).map { .milliseconds($0) },
            head: ChainHead(
                count: try row.decode(forColumn: "event_count"), hash: try row.decode(forColumn: "head_hash")),
            inputs: inputs ?? RunInputs())
    }

    // MARK: Events

    /// All of `entries` in one immediate transaction: one sync to disk for the lot.
    @discardableResult
    public func append(_ entries: [JournalEntry], run: String, at sequence: Int?, fence: LeaseFence?) async throws
        -> [JournalEvent]
    {
        let payloads = try entries.map { entry in
            do {
                return try entry.canonicalPayload()
            } catch {
                throw JournalError(.writeFailed, "cannot encode a '\(entry.kind)' event: \(error)")
            }
        }
        let what = entries.count == 1 ? "record \(entries[0].kind)" : "record \(entries.count) events"
        return try await write("\(what) of run \(run)") { db in
            try self.append(Array(zip(entries, payloads)), run: run, at: sequence, fence: fence, db: db)
        }
    }

    /// Appends within the caller's transaction (see `Journal.append` for the rules).
    func append(
        _ entries: [(entry: JournalEntry, payload: String)], run: String, at first: Int?, fence: LeaseFence?,
        db: Database
    ) throws -> [JournalEvent] {
        guard
            let head = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT event_count, head_hash, started_at FROM runs WHERE id = ?"),
                arguments: [run])
        else { throw JournalError.unknownRun(run) }
        var count: Int = try head.decode(forColumn: "event_count")
        var previous: String = try head.decode(forColumn: "head_hash")
        let startedAt = EventChain.date(try head.decode(forColumn: "started_at")) ?? .distantPast
        var stored: [JournalEvent] = []
        if let first {
            stored = try AppendRules.alreadyStored(
                entries.map { ($0.entry.kind, $0.payload) }, run: run, at: first, head: count
            ) { number in try Self.event(run: run, sequence: number, db: db) }
        }
        let pending = entries.dropFirst(stored.count)
        if pending.isEmpty { return stored }
        let moment = clock()
        if let fence {
            let losses = try LeaseRules.fence(pending.map(\.entry), with: fence, now: moment) { machine in
                try Self.lease(machine: machine, db: db)
            }
            if !losses.isEmpty { throw LeaseRules.error(losses, run: run) }
        }
        let timestamp = EventChain.timestamp(moment)
        for (entry, payload) in pending {
            count += 1
            let hash = EventChain.hash(
                previous: previous, run: run, sequence: count, time: timestamp, kind: entry.kind, payload: payload)
            try db.cachedStatement(
                sql:
                    "INSERT INTO events (run_id, seq, time, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [run, count, timestamp, entry.kind, payload, previous, hash])
            let context = JournalProjection.Context(
                run: run, sequence: count, timestamp: timestamp, runStartedAt: startedAt)
            for change in JournalProjection.changes(for: entry, in: context) {
                try apply(change, run: run, db: db)
            }
            stored.append(
                JournalEvent(
                    run: run, sequence: count, timestamp: timestamp, kind: entry.kind, payload: payload,
                    previousHash: previous, hash: hash))
            previous = hash
        }
        try db.cachedStatement(sql: "UPDATE runs SET event_count = ?, head_hash = ? WHERE id = ?")
            .execute(arguments: [count, previous, run])
        return stored
    }

    static func event(run: String, sequence: Int, db: Database) throws -> JournalEvent? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM events WHERE run_id = ? AND seq = ?"), arguments: [run, sequence]
        ).map(event)
    }

    static func event(_ row: Row) throws -> JournalEvent {
        JournalEvent(
            run: try row.decode(forColumn: "run_id"), sequence: try row.decode(forColumn: "seq"),
            timestamp: try row.decode(forColumn: "time"), kind: try row.decode(forColumn: "kind"),
            payload: try row.decode(forColumn: "payload"), previousHash: try row.decode(forColumn: "prev_hash"),
            hash: try row.decode(forColumn: "hash"))
    }

    public func events(run: String, after sequence: Int) async throws -> [JournalEvent] {
        try await read("read the events of run \(run)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE run_id = ? AND seq > ? ORDER BY seq", arguments: [run, sequence]
            ).map(Self.event)
        }
    }

    public func stepResults(run: String) async throws -> [StepResult] {
        try await read("read the step results of run \(run)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM step_results WHERE run_id = ? ORDER BY started_seq", arguments: [run]
            ).map { row in
                StepResult(
                    ref: StepRef(
                        stage: try row.decode(forColumn: "stage"), batch: try row.decode(forColumn: "batch"),
                        phase: StepRef.Phase(rawValue: try row.decode(forColumn: "phase")) ?? .steps,
                        step: try row.decode(forColumn: "step"), name: try row.decode(forColumn: "name"),
                        host: try row.decode(forColumn: "host"), delegatedTo: try row.decode(forColumn: "delegated_to")),
                    status: StepResult.Status(rawValue: try row.decode(forColumn: "status")) ?? .started,
                    exitStatus: try row.decode(forColumn: "exit_status"), signal: try row.decode(forColumn: "signal"),
                    attempts: try row.decode(forColumn: "attempts"),
                    duration: (try row.decode(Int64?.self, forColumn: "duration_ms")).map { .milliseconds($0) },
                    reason: try row.decode(forColumn: "reason"), stdoutTail: try row.decode(forColumn: "stdout_tail"),
                    stderrTail: try row.decode(forColumn: "stderr_tail"),
                    stdoutBytes: try row.decode(forColumn: "stdout_bytes"),
                    stderrBytes: try row.decode(forColumn: "stderr_bytes"),
                    startedAt: EventChain.date(try row.decode(forColumn: "started_at")) ?? .distantPast,
                    finishedAt: (try row.decode(String?.self, forColumn: "finished_at")).flatMap(EventChain.date))
            }
        }
    }
}
