import DroverModel
import Foundation
import GRDB

extension SQLiteJournal {
    /// The schema, one registered migration per change; never edit a shipped migration, add the next one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, events, step results, decisions, host locks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id TEXT PRIMARY KEY NOT NULL,
                        playbook TEXT NOT NULL,
                        playbook_path TEXT NOT NULL,
                        playbook_hash TEXT NOT NULL,
                        inventory_path TEXT NOT NULL,
                        host_limit TEXT NOT NULL,
                        ssh_config TEXT,
                        forks INTEGER NOT NULL,
                        environment TEXT,
                        operator TEXT NOT NULL,
                        change_type TEXT NOT NULL,
                        change_id TEXT,
                        approved_by TEXT,
                        estimate_ms INTEGER,
                        host_count INTEGER NOT NULL,
                        check_only INTEGER NOT NULL,
                        outline TEXT NOT NULL,
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        status TEXT NOT NULL,
                        reason TEXT,
                        duration_ms INTEGER,
                        event_count INTEGER NOT NULL,
                        head_hash TEXT NOT NULL
                    );
                    CREATE INDEX runs_by_start ON runs(started_at);

                    CREATE TABLE events (
                        run_id TEXT NOT NULL REFERENCES runs(id),
                        seq INTEGER NOT NULL,
                        time TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        PRIMARY KEY (run_id, seq)
                    );
                    CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
                        BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;
                    CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
                        BEGIN SELECT RAISE(ABORT, 'journal events are append-only'); END;

                    CREATE TABLE step_results (
                        run_id TEXT NOT NULL REFERENCES runs(id),
                        stage INTEGER NOT NULL,
                        batch INTEGER NOT NULL,
                        phase TEXT NOT NULL,
                        step INTEGER NOT NULL,
                        host TEXT NOT NULL,
                        name TEXT NOT NULL,
                        delegated_to TEXT,
                        status TEXT NOT NULL,
                        exit_status INTEGER,
                        signal TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        duration_ms INTEGER,
                        reason TEXT,
                        stdout_tail TEXT NOT NULL DEFAULT '',
                        stderr_tail TEXT NOT NULL DEFAULT '',
                        stdout_bytes INTEGER NOT NULL DEFAULT 0,
                        stderr_bytes INTEGER NOT NULL DEFAULT 0,
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        started_seq INTEGER NOT NULL,
                        PRIMARY KEY (run_id, stage, phase, step, host)
                    );

                    CREATE TABLE decisions (
                        run_id TEXT NOT NULL REFERENCES runs(id),
                        seq INTEGER NOT NULL,
                        stage INTEGER NOT NULL,
                        batch INTEGER,
                        action TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        PRIMARY KEY (run_id, seq)
                    );

                    CREATE TABLE host_locks (
                        host TEXT PRIMARY KEY NOT NULL,
                        run_id TEXT NOT NULL,
                        operator TEXT NOT NULL,
                        controller TEXT NOT NULL,
                        pid INTEGER NOT NULL,
                        acquired_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL
                    );
                    """)
        }
        return migrator
    }

    /// The identifiers of the migrations applied to this journal, oldest first.
    public func appliedMigrations() throws -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Keeps the derived tables in step with one appended entry (inside the append's transaction).
    func derive(_ entry: JournalEntry, run: String, sequence: Int, timestamp: String, db: Database) throws {
        switch entry {
        case .event(.runStarted(let started)):
            try db.execute(
                sql: "UPDATE runs SET environment = ?, host_count = ? WHERE id = ?",
                arguments: [started.environment, started.hostCount, run])
        case .event(.stepStarted(let ref)):
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO step_results (run_id, stage, batch, phase, step, host, name, delegated_to,
                        status, started_at, started_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'started', ?, ?)
                    """
            ).execute(arguments: [
                    run, ref.stage, ref.batch, ref.phase.rawValue, ref.step, ref.host, ref.name, ref.delegatedTo,
                    timestamp, sequence,
                ])
        case .event(.stepFinished(let ref, let outcome)):
            let result = outcome.result
            let arguments: StatementArguments = [
                outcome.status.rawValue, result?.exitStatus.map { Int($0) }, result?.exitSignal, outcome.attempts,
                Self.milliseconds(outcome.duration), outcome.reason, result?.stdout ?? "", result?.stderr ?? "",
                result?.stdoutBytes ?? 0, result?.stderrBytes ?? 0, timestamp,
            ]
            try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO step_results (run_id, stage, batch, phase, step, host, name, delegated_to,
                        status, started_at, started_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'started', ?, ?)
                    """
            ).execute(arguments: [
                    run, ref.stage, ref.batch, ref.phase.rawValue, ref.step, ref.host, ref.name, ref.delegatedTo,
                    timestamp, sequence,
                ])
            try db.cachedStatement(
                sql: """
                    UPDATE step_results SET status = ?, exit_status = ?, signal = ?, attempts = ?, duration_ms = ?,
                        reason = ?, stdout_tail = ?, stderr_tail = ?, stdout_bytes = ?, stderr_bytes = ?, finished_at = ?
                    WHERE run_id = ? AND stage = ? AND phase = ? AND step = ? AND host = ?
                    """
            ).execute(arguments: arguments + [run, ref.stage, ref.phase.rawValue, ref.step, ref.host])
        case .event(.decision(let decision)):
            try db.execute(
                sql: "INSERT INTO decisions (run_id, seq, stage, batch, action, rule, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    run, sequence, decision.stage, decision.batch, decision.action.rawValue, decision.rule.rawValue,
                    decision.reason,
                ])
        case .event(.runFinished(let status, let reason, _)):
            try finish(run: run, status: status.rawValue, reason: reason, timestamp: timestamp, db: db)
        case .note(let note) where note.kind == .refused:
            try finish(run: run, status: RunStatus.refused.rawValue, reason: note.text, timestamp: timestamp, db: db)
        case .note(let note) where note.kind == .needsAttention:
            try finish(run: run, status: RunStatus.interrupted.rawValue, reason: note.text, timestamp: timestamp, db: db)
        case .note(let note) where note.kind == .resumed:
            try db.execute(
                sql: "UPDATE runs SET status = 'RUNNING', finished_at = NULL, reason = NULL WHERE id = ?",
                arguments: [run])
        default:
            break
        }
    }

    /// A run's end: its status and reason, and its total duration as wall time from start to this moment
    /// (across resumes, gaps included: the time the change really took).
    private func finish(run: String, status: String, reason: String, timestamp: String, db: Database) throws {
        let started = try String.fetchOne(db, sql: "SELECT started_at FROM runs WHERE id = ?", arguments: [run])
        let start = started.flatMap(EventChain.date)
        let end = EventChain.date(timestamp)
        let duration = zip2(start, end).map { Int64(($1.timeIntervalSince($0) * 1000).rounded()) }
        try db.execute(
            sql: "UPDATE runs SET status = ?, reason = ?, finished_at = ?, duration_ms = ? WHERE id = ?",
            arguments: [status, reason, timestamp, duration, run])
    }
}

private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
