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
        migrator.registerMigration("v2: run inputs, leases by machine") { db in
            // Leases move from inventory names to machine keys, with the names each run uses, and a broken lease
            // stays on record (who broke it, when) for its holder's fencing check to report. The v1 `host_locks`
            // rows are dropped, not converted: they have no machine key, and leases are short-lived (minutes) — a
            // run still live across the upgrade renews into the new table or is refused at its next renewal.
            try db.execute(
                sql: """
                    ALTER TABLE runs ADD COLUMN inputs TEXT;
                    DROP TABLE host_locks;
                    CREATE TABLE leases (
                        machine TEXT PRIMARY KEY NOT NULL,
                        names TEXT NOT NULL,
                        run_id TEXT NOT NULL,
                        operator TEXT NOT NULL,
                        controller TEXT NOT NULL,
                        pid INTEGER NOT NULL,
                        acquired_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL,
                        broken_by TEXT,
                        broken_at TEXT
                    );
                    CREATE INDEX leases_by_run ON leases(run_id);
                    """)
        }
        return migrator
    }

    /// The identifiers of the migrations applied to this journal, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await read("read its schema version") { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Applies one change of `JournalProjection` to the derived tables (inside the append's transaction).
    func apply(_ change: JournalProjection.Change, run: String, db: Database) throws {
        switch change {
        case .runStarted(let environment, let hostCount):
            try db.execute(
                sql: "UPDATE runs SET environment = ?, host_count = ? WHERE id = ?",
                arguments: [environment, hostCount, run])
        case .runFinished(let status, let reason, let finishedAt, let duration):
            try db.execute(
                sql: "UPDATE runs SET status = ?, reason = ?, finished_at = ?, duration_ms = ? WHERE id = ?",
                arguments: [
                    status.rawValue, reason, EventChain.timestamp(finishedAt), JournalProjection.milliseconds(duration),
                    run,
                ])
        case .runReopened:
            try db.execute(
                sql: "UPDATE runs SET status = 'RUNNING', finished_at = NULL, reason = NULL WHERE id = ?",
                arguments: [run])
        case .stepStarted(let result, let sequence):
            try insertStep(result, sequence: sequence, run: run, replacing: true, db: db)
        case .stepFinished(let result, let sequence):
            try insertStep(result, sequence: sequence, run: run, replacing: false, db: db)
            let ref = result.ref
            try db.cachedStatement(
                sql: """
                    UPDATE step_results SET status = ?, exit_status = ?, signal = ?, attempts = ?, duration_ms = ?,
                        reason = ?, stdout_tail = ?, stderr_tail = ?, stdout_bytes = ?, stderr_bytes = ?, finished_at = ?
                    WHERE run_id = ? AND stage = ? AND phase = ? AND step = ? AND host = ?
                    """
            ).execute(arguments: [
                result.status.rawValue, result.exitStatus.map { Int($0) }, result.signal, result.attempts,
                result.duration.map(JournalProjection.milliseconds), result.reason, result.stdoutTail,
                result.stderrTail, result.stdoutBytes, result.stderrBytes, result.finishedAt.map(EventChain.timestamp),
                run, ref.stage, ref.phase.rawValue, ref.step, ref.host,
            ])
        case .decision(let decision, let sequence):
            try db.execute(
                sql: "INSERT INTO decisions (run_id, seq, stage, batch, action, rule, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    run, sequence, decision.stage, decision.batch, decision.action.rawValue, decision.rule.rawValue,
                    decision.reason,
                ])
        }
    }

    /// Writes a step's row as started: over an existing one (`replacing`), or only when there is none.
    private func insertStep(_ result: StepResult, sequence: Int, run: String, replacing: Bool, db: Database) throws {
        let ref = result.ref
        try db.cachedStatement(
            sql: """
                INSERT OR \(replacing ? "REPLACE" : "IGNORE") INTO step_results (run_id, stage, batch, phase, step, host,
                    name, delegated_to, status, started_at, started_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'started', ?, ?)
                """
        ).execute(arguments: [
            run, ref.stage, ref.batch, ref.phase.rawValue, ref.step, ref.host, ref.name, ref.delegatedTo,
            EventChain.timestamp(result.startedAt), sequence,
        ])
    }
}
