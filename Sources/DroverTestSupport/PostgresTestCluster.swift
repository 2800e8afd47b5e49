public import DroverJournalPostgres
public import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PostgresNIO

/// The private PostgreSQL cluster `Scripts/postgres` starts for the tests (`Scripts/test` exports where it is):
/// `DROVER_TEST_POSTGRES`, the URL of its superuser on its `postgres` database, and `PGPASSFILE`, where the
/// password is. Each test case gets a database of its own, so tests never see each other's runs or leases.
///
/// A test that needs the server fails, never skips, when `DROVER_TEST_POSTGRES` is not set: run it through
/// `Scripts/test` (or `eval "$(Scripts/postgres env)"` after `Scripts/postgres start`).
public enum PostgresTestCluster {
    /// The superuser's URL, from the environment.
    /// - Throws: `PostgresTestClusterError` saying how to start the cluster when it is not set.
    public static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DROVER_TEST_POSTGRES"], !url.isEmpty else {
            throw PostgresTestClusterError(
                "DROVER_TEST_POSTGRES is not set: these tests need the private PostgreSQL cluster; run them through "
                    + "Scripts/test, or: Scripts/postgres start && eval \"$(Scripts/postgres env)\"")
        }
        return url
    }

    /// Creates an empty database and returns its journal URL (same server and user as the admin URL).
    /// - Parameter label: a readable prefix for the database's name.
    public static func freshDatabase(_ label: String = "t") async throws -> String {
        let admin = try PostgresLocation.parse(try adminURL())
        let name = "drover_\(label)_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try await execute("CREATE DATABASE \"\(name)\"", at: admin)
        var location = admin
        location.database = name
        return url(location)
    }

    /// A fresh journal in a database of its own.
    /// - Parameter now: the one clock events are stamped and leases judged by (nil: the controller's and the
    ///   server's, as in production).
    public static func journal(now: (@Sendable () -> Date)? = nil) async throws -> PostgresJournal {
        try await open(try await freshDatabase(), now: now)
    }

    /// Opens the journal at `url` with the test cluster's password.
    public static func open(_ url: String, now: (@Sendable () -> Date)? = nil) async throws -> PostgresJournal {
        let location = try PostgresLocation.parse(url)
        return try await PostgresJournal.open(location, password: PasswordFile.password(for: location), now: now)
    }

    /// Runs SQL statements (one at a time) as the cluster's superuser on `database` (the admin URL's by default).
    public static func execute(_ statements: String..., database: String? = nil) async throws {
        var location = try PostgresLocation.parse(try adminURL())
        if let database { location.database = database }
        for statement in statements { try await execute(statement, at: location) }
    }

    /// The CA that signed the test cluster's server certificate (`DROVER_TEST_POSTGRES_CA`), or with `other`, a CA
    /// that did not (`DROVER_TEST_POSTGRES_OTHER_CA`).
    public static func certificateAuthority(other: Bool = false) throws -> String {
        let name = other ? "DROVER_TEST_POSTGRES_OTHER_CA" : "DROVER_TEST_POSTGRES_CA"
        guard let path = ProcessInfo.processInfo.environment[name], !path.isEmpty else {
            throw PostgresTestClusterError("\(name) is not set: run the tests through Scripts/test (Scripts/postgres env)")
        }
        return path
    }

    /// The first column of `sql`'s rows, as text (NULL as nil), run as the cluster's superuser on `database` (the
    /// admin URL's by default).
    public static func column(_ sql: String, database: String? = nil) async throws -> [String?] {
        var location = try PostgresLocation.parse(try adminURL())
        if let database { location.database = database }
        return try await withConnection(to: location, sql) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
                .map { try $0.decode(String?.self) }
        }
    }

    /// Runs `Scripts/postgres ARGUMENTS` (start, stop, psql … of a cluster of a test's own), its output appended to
    /// `log`, and returns its exit status.
    ///
    /// Spawned and waited for with `posix_spawn`/`waitpid`, not Foundation's `Process`: after `pg_ctl start` in a
    /// child, `Process.waitUntilExit` never sees the child end (it stays a zombie; reproduced with a five-line
    /// program), so a test would hang.
    public static func script(_ arguments: [String], log: String) async -> Int32 {
        let argv = [Testbed.repositoryRoot + "/Scripts/postgres"] + arguments
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var pid: pid_t = 0
                var cArguments = argv.map { strdup($0) } + [nil]
                defer { cArguments.forEach { free($0) } }
                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
                guard posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ) == 0 else {
                    continuation.resume(returning: 127)
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                // WIFEXITED / WEXITSTATUS by hand (macros are not imported).
                continuation.resume(returning: status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
        }
    }

    /// `postgresql://USER@HOST:PORT/DB` (or the socket form) for `location`.
    public static func url(_ location: PostgresLocation) -> String {
        location.description
    }

    private static func execute(_ sql: String, at location: PostgresLocation) async throws {
        try await withConnection(to: location, sql) { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    /// Runs `body` on a connection of its own to `location` (without TLS), closed afterwards; an error names `sql`.
    private static func withConnection<T>(
        to location: PostgresLocation, _ sql: String, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let password = PasswordFile.password(for: location)?.password
        let configuration: PostgresConnection.Configuration
        switch location.endpoint {
        case .tcp(let host, let port):
            configuration = .init(
                host: host, port: port, username: location.user, password: password, database: location.database,
                tls: .disable)
        case .socket(let directory, let port):
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: location.user, password: password,
                database: location.database)
        }
        let logger = Logger(label: "drover.tests.postgres")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        let value: T
        do {
            value = try await body(connection, logger)
        } catch {
            try? await connection.close()
            throw PostgresTestClusterError("\(sql): \(String(reflecting: error))")
        }
        try await connection.close()
        return value
    }
}

/// The test cluster is missing or refused a statement.
public struct PostgresTestClusterError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
