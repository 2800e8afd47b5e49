public import DroverJournal
import DroverModel
public import Foundation
public import Logging
import PostgresNIO
import Synchronization

/// The team journal: one PostgreSQL database shared by every controller (SPEC section 9), with the invariants of
/// every `Journal` and the same pure rules as SQLite's (`JournalProjection`, `AppendRules`, `LeaseRules`,
/// `LeaseNotes`, `EventChain`).
///
/// - Clocks: leases are judged by the server's `now()` (one clock for every controller); events are stamped by the
///   writing controller's clock, as the run's start already is. Tests inject one clock for both (`now`).
/// - Appends: a group commit is one round trip in the common case: one statement that checks the run's head
///   (locked `FOR UPDATE`) is what this journal last wrote and that the writer still holds the lease of every machine
///   its `step_started` entries are for (by the server's `now()`), and only then inserts the events and their derived
///   rows (`PostgresJournal+Append.swift`). When that check fails (another writer appended, a retry, a lost lease)
///   the append is done again as a transaction of several round trips that reads what it needs and applies the rules
///   in Swift, for the exact answer (`sequenceTaken`, `leaseLost` with who broke what, or the events as stored).
/// - Connection: one, used by one call at a time, connected again after an outage (`PostgresLink`); every call is
///   bounded in time. `follow` (for `drover watch`) listens on a connection of its own.
public final class PostgresJournal: Journal {
    public let location: PostgresLocation
    let link: PostgresLink
    let clock: (@Sendable () -> Date)?
    let logger: Logger
    /// The head of each run's chain as this journal last wrote or read it: what the one-statement append expects.
    let heads = Mutex<[String: KnownHead]>([:])

    /// A run's head as last known here, and the run's start (a `run_finished`'s duration is measured from it).
    struct KnownHead: Sendable {
        var head: ChainHead
        var startedAt: Date
    }

    /// Opens (creating or migrating the schema in one transaction) the journal at `location`.
    /// - Parameters:
    ///   - password: the password and where it came from (`PasswordFile.password(for:)`); nil for none.
    ///   - now: for tests: the one clock events are stamped and leases judged by, instead of the controller's clock
    ///     and the server's `now()`.
    ///   - callTimeout: how long one call to the server may go unanswered (connecting included) before it fails as
    ///     `unreachable`.
    /// - Throws: `JournalError` in a sentence naming the server: unreachable, the password or user refused, no such
    ///   database, missing privileges, someone else's database, a journal written by a newer Drover.
    public static func open(
        _ location: PostgresLocation, password: (String, PasswordFile.Source)?,
        now: (@Sendable () -> Date)? = nil, callTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "drover.journal.postgres")
    ) async throws -> PostgresJournal {
        let journal = PostgresJournal(
            location: location,
            link: PostgresLink(location: location, password: password, logger: logger, callTimeout: callTimeout),
            clock: now, logger: logger)
        try await journal.migrate(PostgresSchema())
        return journal
    }

    init(location: PostgresLocation, link: PostgresLink, clock: (@Sendable () -> Date)?, logger: Logger) {
        self.location = location
        self.link = link
        self.clock = clock
        self.logger = logger
    }

    /// Checks (and migrates) the schema.
    @discardableResult
    func migrate(_ schema: PostgresSchema) async throws -> PostgresSchema.Opened {
        let location = self.location
        let logger = self.logger
        return try await link.call("open the journal", code: .unavailable) { connection in
            try await schema.open(connection, location: location, logger: logger)
        }
    }

    /// The schema's version on the server.
    public func schemaVersion() async throws -> Int {
        let logger = self.logger
        return try await link.call("read its schema version", code: .unavailable) { connection in
            try await connection.query("SELECT coalesce(max(version), 0) FROM drover.meta", logger: logger).collect()
                .first?.decode(Int.self) ?? 0
        }
    }

    /// Closes the connection (a new call opens another).
    public func close() {
        link.close()
    }

    /// When an event is stamped now.
    func stamp() -> Date { clock?() ?? Date() }

    public func now() async throws -> Date {
        if let clock { return clock() }
        let logger = self.logger
        return try await link.call("read the server's clock", code: .unavailable) { connection in
            try await Self.serverNow(connection, logger: logger)
        }
    }

    static func serverNow(_ connection: PostgresConnection, logger: Logger) async throws -> Date {
        try await connection.query("SELECT now()", logger: logger).collect().first?.decode(Date.self) ?? Date()
    }

    /// The moment lease rules are judged at, inside a transaction: the injected clock, else the server's `now()`.
    func moment(_ connection: PostgresConnection) async throws -> Date {
        if let clock { return clock() }
        return try await Self.serverNow(connection, logger: logger)
    }

    // MARK: Runs

    public func begin(_ run: RunRecord) async throws {
        let logger = self.logger
        try await link.call("record run \(run.id)", code: .writeFailed) { connection in
            try await Self.insert(run, connection: connection, logger: logger)
        }
        let startedAt = EventChain.date(EventChain.timestamp(run.startedAt)) ?? run.startedAt
        heads.withLock { $0[run.id] = KnownHead(head: .empty, startedAt: startedAt) }
    }

    public func restore(_ run: RunRecord, events: [JournalEvent]) async throws {
        let startedAt = EventChain.date(EventChain.timestamp(run.startedAt)) ?? run.startedAt
        var rows = RowWrites()
        for event in events {
            for change in JournalProjection.changes(restoring: event, runStartedAt: startedAt) { rows.apply(change) }
        }
        let plan = Plan(
            events: events, rows: rows, head: ChainHead(count: events.count, hash: events.last?.hash ?? EventChain.genesis))
        let logger = self.logger
        try await link.transaction("copy run \(run.id)", code: .writeFailed) { connection in
            try await Self.insert(run, connection: connection, logger: logger)
            guard
                try await Self.write(
                    plan, run: run.id, expected: .empty, fence: nil, now: nil, connection: connection, logger: logger)
            else { throw JournalError(.writeFailed, "run \(run.id) changed while it was copied") }
        }
    }

    /// Inserts a new run (running, an empty chain).
    /// - Throws: `.duplicateRun` when the id is taken.
    static func insert(_ run: RunRecord, connection: PostgresConnection, logger: Logger) async throws {
        let outline = String(decoding: try JSONEncoder().encode(run.outline), as: UTF8.self)
        let inputs = String(decoding: try JSONEncoder().encode(run.inputs), as: UTF8.self)
        let inserted = try await connection.query(
            """
            INSERT INTO drover.runs (id, playbook, playbook_path, playbook_hash, inventory_path, host_limit,
                ssh_config, forks, environment, operator, change_type, change_id, approved_by, estimate_ms,
                host_count, check_only, outline, inputs, started_at, status, event_count, head_hash)
            VALUES (\(run.id), \(run.playbook), \(run.playbookPath), \(run.playbookHash), \(run.inventoryPath),
                \(run.limit), \(run.sshConfig), \(run.forks), \(run.environment), \(run.operator),
                \(run.change.type.rawValue), \(run.change.id), \(run.change.approvedBy),
                \(run.change.estimate.map(JournalProjection.milliseconds)), \(run.hostCount), \(run.checkOnly),
                \(outline), \(inputs), \(EventChain.timestamp(run.startedAt)), 'RUNNING', 0, \(EventChain.genesis))
            ON CONFLICT (id) DO NOTHING
            RETURNING 1
            """, logger: logger
        ).collect().count
        guard inserted == 1 else { throw JournalError(.duplicateRun, "the journal already has a run '\(run.id)'") }
    }

    public func run(_ id: String) async throws -> RunRecord? {
        let logger = self.logger
        return try await link.call("read run \(id)", code: .unavailable) { connection in
            try await connection.query("SELECT * FROM drover.runs WHERE id = \(id)", logger: logger).collect()
                .first.map(Self.record)
        }
    }

    public func runs(since: Date?) async throws -> [RunRecord] {
        let floor = since.map(EventChain.timestamp) ?? ""
        let logger = self.logger
        return try await link.call("list its runs", code: .unavailable) { connection in
            try await connection.query(
                "SELECT * FROM drover.runs WHERE started_at >= \(floor) ORDER BY started_at DESC, id DESC",
                logger: logger
            ).collect().map(Self.record)
        }
    }

    /// A `runs` row as a record.
    static func record(_ row: PostgresRow) throws -> RunRecord {
        let row = row.makeRandomAccess()
        let outline = try? JSONDecoder().decode(
            [StageOutline].self, from: Data(try row["outline"].decode(String.self).utf8))
        let inputs = try? JSONDecoder().decode(RunInputs.self, from: Data(try row["inputs"].decode(String.self).utf8))
        let status = try row["status"].decode(String.self)
        return RunRecord(
            id: try row["id"].decode(String.self), playbook: try row["playbook"].decode(String.self),
            playbookPath: try row["playbook_path"].decode(String.self),
            playbookHash: try row["playbook_hash"].decode(String.self),
            inventoryPath: try row["inventory_path"].decode(String.self),
            limit: try row["host_limit"].decode(String.self), sshConfig: try row["ssh_config"].decode(String?.self),
            forks: try row["forks"].decode(Int.self), environment: try row["environment"].decode(String?.self),
            operator: try row["operator"].decode(String.self),
            change: ChangeInfo(
                type: ChangeInfo.Kind(rawValue: try row["change_type"].decode(String.self)) ?? .routine,
                id: try row["change_id"].decode(String?.self), approvedBy: try row["approved_by"].decode(String?.self),
                estimate: try row["estimate_ms"].decode(Int64?.self).map { .milliseconds($0) }),
            hostCount: try row["host_count"].decode(Int.self), checkOnly: try row["check_only"].decode(Bool.self),
            outline: outline ?? [],
            startedAt: EventChain.date(try row["started_at"].decode(String.self)) ?? .distantPast,
            finishedAt: try row["finished_at"].decode(String?.self).flatMap(EventChain.date),
            status: RunStatus(rawValue: status), reason: try text(row["reason"].decode(ByteBuffer?.self)),
            duration: try row["duration_ms"].decode(Int64?.self).map { .milliseconds($0) },
            head: ChainHead(count: try row["event_count"].decode(Int.self), hash: try row["head_hash"].decode(String.self)),
            inputs: inputs ?? RunInputs())
    }

    /// Text kept as bytes (it may hold a NUL byte a host printed).
    static func text(_ bytes: ByteBuffer?) -> String? {
        bytes.map { String(buffer: $0) }
    }

    // MARK: Events and steps

    public func events(run: String, after sequence: Int) async throws -> [JournalEvent] {
        let logger = self.logger
        return try await link.call("read the events of run \(run)", code: .unavailable) { connection in
            try await Self.events(run: run, after: sequence, connection: connection, logger: logger)
        }
    }

    static func events(run: String, after sequence: Int, connection: PostgresConnection, logger: Logger) async throws
        -> [JournalEvent]
    {
        try await connection.query(
            """
            SELECT run_id, seq, time, kind, payload, prev_hash, hash FROM drover.events
            WHERE run_id = \(run) AND seq > \(sequence) ORDER BY seq
            """, logger: logger
        ).collect().map { row in
            let (run, sequence, time, kind, payload, previous, hash) = try row.decode(
                (String, Int, String, String, String, String, String).self)
            return JournalEvent(
                run: run, sequence: sequence, timestamp: time, kind: kind, payload: payload, previousHash: previous,
                hash: hash)
        }
    }

    public func stepResults(run: String) async throws -> [StepResult] {
        let logger = self.logger
        return try await link.call("read the step results of run \(run)", code: .unavailable) { connection in
            try await connection.query(
                "SELECT * FROM drover.step_results WHERE run_id = \(run) ORDER BY started_seq, stage, phase, step, host",
                logger: logger
            ).collect().map { row in
                let row = row.makeRandomAccess()
                let phase = try row["phase"].decode(String.self)
                let status = try row["status"].decode(String.self)
                return StepResult(
                    ref: StepRef(
                        stage: try row["stage"].decode(Int.self), batch: try row["batch"].decode(Int.self),
                        phase: StepRef.Phase(rawValue: phase) ?? .steps, step: try row["step"].decode(Int.self),
                        name: try row["name"].decode(String.self), host: try row["host"].decode(String.self),
                        delegatedTo: try row["delegated_to"].decode(String?.self)),
                    status: StepResult.Status(rawValue: status) ?? .started,
                    exitStatus: try row["exit_status"].decode(Int32?.self), signal: try row["signal"].decode(String?.self),
                    attempts: try row["attempts"].decode(Int.self),
                    duration: try row["duration_ms"].decode(Int64?.self).map { .milliseconds($0) },
                    reason: Self.text(try row["reason"].decode(ByteBuffer?.self)),
                    stdoutTail: Self.text(try row["stdout_tail"].decode(ByteBuffer.self)) ?? "",
                    stderrTail: Self.text(try row["stderr_tail"].decode(ByteBuffer.self)) ?? "",
                    stdoutBytes: try row["stdout_bytes"].decode(Int.self),
                    stderrBytes: try row["stderr_bytes"].decode(Int.self),
                    startedAt: EventChain.date(try row["started_at"].decode(String.self)) ?? .distantPast,
                    finishedAt: try row["finished_at"].decode(String?.self).flatMap(EventChain.date))
            }
        }
    }
}
