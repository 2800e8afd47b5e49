import DroverJournal
import Foundation
import PostgresNIO

/// The journal's tables on a PostgreSQL server, in a schema of their own (`drover`), with the version Drover wrote
/// them at (`drover.meta`).
///
/// Opening a journal checks the version in one transaction holding an advisory lock (two controllers opening a new
/// journal at once do not both create it): none yet → every migration is applied (a database that already holds other
/// tables and no journal is refused: it is someone else's); older → the missing migrations are applied, in the same
/// transaction, so a failed one leaves the journal as it was; newer → refused with a sentence (written by a newer
/// Drover). To change the schema, append a migration to `migrations`: never edit a shipped one.
struct PostgresSchema {
    /// One step of the schema: its version (1, 2, …), a name, and its SQL statements (each sent on its own: the
    /// extended protocol takes one statement at a time).
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// What opening found and did.
    struct Opened: Sendable, Hashable {
        /// The version before opening (0: a new journal).
        var previous: Int
        var current: Int
    }

    /// The advisory lock taken while the schema is checked or changed (any number, the same for every Drover).
    static let lockKey: Int64 = 0x4452_4F56_4552  // "DROVER"

    static let migrations: [Migration] = [
        Migration(version: 1, name: "runs, events, step results, decisions, leases", statements: version1)
    ]

    var migrations: [Migration] = Self.migrations

    /// Checks and migrates the schema on `connection` (one transaction).
    /// - Throws: `JournalError` `.newerVersion` (a newer Drover's journal), `.unavailable` (someone else's database,
    ///   or no privilege to create the tables).
    func open(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger) async throws -> Opened {
        let latest = migrations.map(\.version).max() ?? 0
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            let previous = try await version(connection, location: location, logger: logger)
            if previous > latest {
                throw JournalError(
                    .newerVersion,
                    "the journal \(location) was written by a newer Drover (its schema is at version \(previous); this "
                        + "Drover knows up to \(latest)): upgrade Drover to use it")
            }
            for migration in migrations where migration.version > previous {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO drover.meta (version, name, applied_at) VALUES (\(migration.version), \(migration.name), now())
                    """, logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
            return Opened(previous: previous, current: max(previous, latest))
        } catch {
            if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
            throw error
        }
    }

    /// The schema's version: 0 when the database holds no journal yet (and nothing else: someone else's database is
    /// refused).
    private func version(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger) async throws
        -> Int
    {
        let rows = try await connection.query(
            """
            SELECT
                (SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'drover')::int,
                (SELECT count(*) FROM information_schema.tables WHERE table_schema = 'drover' AND table_name = 'meta')::int,
                (SELECT string_agg(table_schema || '.' || table_name, ', ' ORDER BY table_schema, table_name)
                    FROM (SELECT table_schema, table_name FROM information_schema.tables
                          WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'drover')
                          ORDER BY 1, 2 LIMIT 3) AS t),
                (SELECT count(*) FROM information_schema.tables
                    WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'drover'))::int
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return 0 }
        let (schemas, metaTables, sample, others) = try row.decode((Int, Int, String?, Int).self)
        if metaTables == 1 {
            let versions = try await connection.query("SELECT coalesce(max(version), 0) FROM drover.meta", logger: logger)
                .collect()
            return try versions.first?.decode(Int.self) ?? 0
        }
        if schemas > 0 {
            throw JournalError(
                .unavailable,
                "the database \(location) has a schema 'drover' that is not a Drover journal (no drover.meta): "
                    + "refusing to use it; name an empty database for the journal")
        }
        if others > 0 {
            throw JournalError(
                .unavailable,
                "the database \(location) holds \(others) other table\(others == 1 ? "" : "s") (\(sample ?? "")"
                    + "\(others > 3 ? ", …" : "")) and no Drover journal: refusing to add the journal to someone "
                    + "else's database; create an empty one for it (CREATE DATABASE drover OWNER \(location.user))")
        }
        return 0
    }

    /// The first schema: the same tables as SQLite's journal at its v2, plus the server's part: events stay
    /// append-only (triggers), and every insert into `events` notifies `drover_events` with the run's id at commit
    /// (`drover watch` listens). Times that the chain hashes are text as the chain writes them; lease times are
    /// `timestamptz`, judged by the server's `now()`. Text that may quote a host (reasons, output tails) is `bytea`:
    /// PostgreSQL's text cannot hold a NUL byte, and hosts print them.
    static let version1: [String] = [
        """
        CREATE SCHEMA drover
        """,
        """
        CREATE TABLE drover.meta (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE drover.runs (
            id text PRIMARY KEY,
            playbook text NOT NULL,
            playbook_path text NOT NULL,
            playbook_hash text NOT NULL,
            inventory_path text NOT NULL,
            host_limit text NOT NULL,
            ssh_config text,
            forks integer NOT NULL,
            environment text,
            operator text NOT NULL,
            change_type text NOT NULL,
            change_id text,
            approved_by text,
            estimate_ms bigint,
            host_count integer NOT NULL,
            check_only boolean NOT NULL,
            outline text NOT NULL,
            inputs text NOT NULL,
            started_at text NOT NULL,
            finished_at text,
            status text NOT NULL,
            reason bytea,
            duration_ms bigint,
            event_count integer NOT NULL,
            head_hash text NOT NULL
        )
        """,
        """
        CREATE INDEX runs_by_start ON drover.runs (started_at)
        """,
        """
        CREATE TABLE drover.events (
            run_id text NOT NULL REFERENCES drover.runs (id),
            seq integer NOT NULL,
            time text NOT NULL,
            kind text NOT NULL,
            payload text NOT NULL,
            prev_hash text NOT NULL,
            hash text NOT NULL,
            PRIMARY KEY (run_id, seq)
        )
        """,
        """
        CREATE FUNCTION drover.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'journal events are append-only'; END $$
        """,
        """
        CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON drover.events
            FOR EACH ROW EXECUTE FUNCTION drover.refuse_change()
        """,
        """
        CREATE TRIGGER events_are_not_truncated BEFORE TRUNCATE ON drover.events
            FOR EACH STATEMENT EXECUTE FUNCTION drover.refuse_change()
        """,
        """
        CREATE FUNCTION drover.notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE run text;
            BEGIN
                FOR run IN SELECT DISTINCT run_id FROM new_events LOOP
                    PERFORM pg_notify('drover_events', run);
                END LOOP;
                RETURN NULL;
            END $$
        """,
        """
        CREATE TRIGGER events_notify AFTER INSERT ON drover.events REFERENCING NEW TABLE AS new_events
            FOR EACH STATEMENT EXECUTE FUNCTION drover.notify_events()
        """,
        """
        CREATE TABLE drover.step_results (
            run_id text NOT NULL REFERENCES drover.runs (id),
            stage integer NOT NULL,
            batch integer NOT NULL,
            phase text NOT NULL,
            step integer NOT NULL,
            host text NOT NULL,
            name text NOT NULL,
            delegated_to text,
            status text NOT NULL,
            exit_status integer,
            signal text,
            attempts integer NOT NULL DEFAULT 0,
            duration_ms bigint,
            reason bytea,
            stdout_tail bytea NOT NULL DEFAULT '',
            stderr_tail bytea NOT NULL DEFAULT '',
            stdout_bytes bigint NOT NULL DEFAULT 0,
            stderr_bytes bigint NOT NULL DEFAULT 0,
            started_at text NOT NULL,
            finished_at text,
            started_seq integer NOT NULL,
            PRIMARY KEY (run_id, stage, phase, step, host)
        )
        """,
        """
        CREATE TABLE drover.decisions (
            run_id text NOT NULL REFERENCES drover.runs (id),
            seq integer NOT NULL,
            stage integer NOT NULL,
            batch integer,
            action text NOT NULL,
            rule text NOT NULL,
            reason bytea NOT NULL,
            PRIMARY KEY (run_id, seq)
        )
        """,
        """
        CREATE TABLE drover.leases (
            machine text PRIMARY KEY,
            names text NOT NULL,
            run_id text NOT NULL,
            operator text NOT NULL,
            controller text NOT NULL,
            pid integer NOT NULL,
            acquired_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            broken_by text,
            broken_at timestamptz
        )
        """,
        """
        CREATE INDEX leases_by_run ON drover.leases (run_id)
        """,
    ]
}
