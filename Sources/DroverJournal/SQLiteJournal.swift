import DroverModel
public import Foundation
import GRDB

/// The embedded journal: one SQLite database in WAL mode (GRDB), `synchronous = FULL` so a committed event survives
/// a crash or power loss, schema managed by `DatabaseMigrator` (see `SQLiteJournal+Schema.swift`).
///
/// Every `append` is one immediate transaction: the event, its hash link and the derived rows (run status, step
/// result, decision) commit together or not at all. Several controllers may share one file: writes wait up to
/// `busyTimeout` for each other.
public final class SQLiteJournal: Journal {
    let writer: any DatabaseWriter
    let now: @Sendable () -> Date
    /// Where the database lives (`:memory:` for an in-memory journal).
    public let path: String

    /// Opens (creating and migrating as needed) the journal at `path`; its directory is created if missing.
    /// - Parameters:
    ///   - now: the clock events are stamped with (tests pass a fixed one).
    ///   - busyTimeout: how long a write waits for another controller's.
    /// - Throws: `JournalError` (`unavailable`) naming the path and the cause: a read-only location, a full disk,
    ///   a file that is not a journal.
    public init(
        path: String, now: @escaping @Sendable () -> Date = { Date() }, busyTimeout: TimeInterval = 10
    ) throws {
        self.path = path
        self.now = now
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
            let pool = try DatabasePool(path: path, configuration: configuration)
            self.writer = pool
            try Self.migrator.migrate(pool)
        } catch {
            throw JournalError(.unavailable, "cannot open the journal \(path): \(Self.cause(error))")
        }
    }

    /// An in-memory journal (same schema and behaviour, nothing on disk): for tests and `--check` experiments.
    public init(inMemoryNow now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.path = ":memory:"
        self.now = now
        let queue = try DatabaseQueue()
        self.writer = queue
        try Self.migrator.migrate(queue)
    }

    static func cause(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        if let error = error as? CocoaError, let underlying = error.underlying {
            return underlying.localizedDescription
        }
        return "\(error)"
    }

    /// Runs `body` in an immediate transaction, mapping database errors to `JournalError`.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.writeWithoutTransaction { db in
                var value: T?
                try db.inTransaction(.immediate) {
                    value = try body(db)
                    return .commit
                }
                return value!
            }
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(.writeFailed, "journal \(path): cannot \(what): \(Self.cause(error))")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(.unavailable, "journal \(path): cannot read: \(Self.cause(error))")
        }
    }

    // MARK: Runs

    public func begin(_ run: RunRecord) throws {
        let outline = String(decoding: try JSONEncoder().encode(run.outline), as: UTF8.self)
        try write("record run \(run.id)") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE id = ?", arguments: [run.id]) == true {
                throw JournalError(.duplicateRun, "the journal already has a run '\(run.id)'")
            }
            try db.execute(
                sql: """
                    INSERT INTO runs (id, playbook, playbook_path, playbook_hash, inventory_path, host_limit, ssh_config,
                        forks, environment, operator, change_type, change_id, approved_by, estimate_ms, host_count,
                        check_only, outline, started_at, status, event_count, head_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', 0, ?)
                    """,
                arguments: [
                    run.id, run.playbook, run.playbookPath, run.playbookHash, run.inventoryPath, run.limit,
                    run.sshConfig, run.forks, run.environment, run.operator, run.change.type.rawValue, run.change.id,
                    run.change.approvedBy, run.change.estimate.map(Self.milliseconds), run.hostCount, run.checkOnly,
                    outline, EventChain.timestamp(run.startedAt), EventChain.genesis,
                ])
        }
    }

    public func run(_ id: String) throws -> RunRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(Self.record) }
    }

    public func runs(since: Date?) throws -> [RunRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at DESC, id DESC",
                arguments: [since.map(EventChain.timestamp) ?? ""]
            ).map(Self.record)
        }
    }

    static func record(_ row: Row) -> RunRecord {
        let outline = (row["outline"] as String?).flatMap {
            try? JSONDecoder().decode([StageOutline].self, from: Data($0.utf8))
        }
        let status: String = row["status"]
        return RunRecord(
            id: row["id"], playbook: row["playbook"], playbookPath: row["playbook_path"],
            playbookHash: row["playbook_hash"], inventoryPath: row["inventory_path"], limit: row["host_limit"],
            sshConfig: row["ssh_config"], forks: row["forks"], environment: row["environment"],
            operator: row["operator"],
            change: ChangeInfo(
                type: ChangeInfo.Kind(rawValue: row["change_type"]) ?? .routine, id: row["change_id"],
                approvedBy: row["approved_by"], estimate: (row["estimate_ms"] as Int64?).map { .milliseconds($0) }),
            hostCount: row["host_count"], checkOnly: row["check_only"], outline: outline ?? [],
            startedAt: EventChain.date(row["started_at"]) ?? .distantPast,
            finishedAt: (row["finished_at"] as String?).flatMap(EventChain.date),
            status: RunStatus(rawValue: status), reason: row["reason"],
            duration: (row["duration_ms"] as Int64?).map { .milliseconds($0) },
            head: ChainHead(count: row["event_count"], hash: row["head_hash"]))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    // MARK: Events

    @discardableResult
    public func append(_ entry: JournalEntry, run: String) throws -> JournalEvent {
        try append([entry], run: run)[0]
    }

    /// All of `entries` in one immediate transaction: one sync to disk for the lot.
    @discardableResult
    public func append(_ entries: [JournalEntry], run: String) throws -> [JournalEvent] {
        let payloads = try entries.map { entry in
            do {
                return try entry.canonicalPayload()
            } catch {
                throw JournalError(.writeFailed, "cannot encode a '\(entry.kind)' event: \(error)")
            }
        }
        let what = entries.count == 1 ? "record \(entries[0].kind)" : "record \(entries.count) events"
        return try write("\(what) of run \(run)") { db in
            try zip(entries, payloads).map { entry, payload in
                try self.append(entry, payload: payload, run: run, db: db)
            }
        }
    }

    /// Appends within the caller's transaction.
    func append(_ entry: JournalEntry, payload: String, run: String, db: Database) throws -> JournalEvent {
        guard
            let head = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT event_count, head_hash FROM runs WHERE id = ?"), arguments: [run])
        else { throw JournalError.unknownRun(run) }
        let sequence = (head["event_count"] as Int) + 1
        let previous: String = head["head_hash"]
        let time = now()
        let timestamp = EventChain.timestamp(time)
        let hash = EventChain.hash(
            previous: previous, run: run, sequence: sequence, time: timestamp, kind: entry.kind, payload: payload)
        try db.cachedStatement(
            sql: "INSERT INTO events (run_id, seq, time, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [run, sequence, timestamp, entry.kind, payload, previous, hash])
        try db.cachedStatement(sql: "UPDATE runs SET event_count = ?, head_hash = ? WHERE id = ?")
            .execute(arguments: [sequence, hash, run])
        try derive(entry, run: run, sequence: sequence, timestamp: timestamp, db: db)
        return JournalEvent(
            run: run, sequence: sequence, timestamp: timestamp, kind: entry.kind, payload: payload,
            previousHash: previous, hash: hash)
    }

    public func events(run: String) throws -> [JournalEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE run_id = ? ORDER BY seq", arguments: [run]).map { row in
                JournalEvent(
                    run: row["run_id"], sequence: row["seq"], timestamp: row["time"], kind: row["kind"],
                    payload: row["payload"], previousHash: row["prev_hash"], hash: row["hash"])
            }
        }
    }

    public func stepResults(run: String) throws -> [StepResult] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM step_results WHERE run_id = ? ORDER BY started_seq", arguments: [run]
            ).map { row in
                StepResult(
                    ref: StepRef(
                        stage: row["stage"], batch: row["batch"],
                        phase: StepRef.Phase(rawValue: row["phase"]) ?? .steps, step: row["step"], name: row["name"],
                        host: row["host"], delegatedTo: row["delegated_to"]),
                    status: StepResult.Status(rawValue: row["status"]) ?? .started, exitStatus: row["exit_status"],
                    signal: row["signal"], attempts: row["attempts"],
                    duration: (row["duration_ms"] as Int64?).map { .milliseconds($0) }, reason: row["reason"],
                    stdoutTail: row["stdout_tail"], stderrTail: row["stderr_tail"], stdoutBytes: row["stdout_bytes"],
                    stderrBytes: row["stderr_bytes"], startedAt: EventChain.date(row["started_at"]) ?? .distantPast,
                    finishedAt: (row["finished_at"] as String?).flatMap(EventChain.date))
            }
        }
    }
}
