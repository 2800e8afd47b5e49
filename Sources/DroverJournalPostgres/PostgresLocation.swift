public import Foundation

/// Where a PostgreSQL journal lives, from `--journal postgresql://USER@HOST[:PORT]/DB[?sslmode=…]` (also `postgres://`,
/// and the Unix-socket forms `postgresql://USER@%2Fvar%2Frun%2Fpostgresql/DB` and `postgresql://USER@/DB?host=/dir`).
///
/// As psql does: the user defaults to `$PGUSER`, else the account name; the port to 5432; the database to the user.
/// The password never comes from the URL (it would show in `ps` and shell history): `PGPASSWORD`, else the pgpass
/// file (`PGPASSFILE`, else `~/.pgpass`). `sslmode` is `disable`, `prefer` (the default, as libpq's), `require` (TLS,
/// any certificate) or `verify-full` (TLS, the certificate checked against the CAs of `sslrootcert` and the host
/// name). Without `sslrootcert`, verify-full trusts `~/.postgresql/root.crt` when it exists (libpq's default file),
/// else the system's trusted roots (where libpq would refuse to connect); `sslrootcert=system` asks for the system's
/// roots outright. `connect_timeout` is in seconds (default 10).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is protected.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    /// Where the server listens.
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        /// A socket directory; the socket is `DIR/.s.PGSQL.PORT`.
        case socket(directory: String, port: Int)
    }

    public var user: String
    public var endpoint: Endpoint
    public var database: String
    public var sslMode: SSLMode
    /// For `verify-full`: the CA certificates to trust (PEM); nil for the system's trusted roots.
    public var sslRootCertificate: String?
    public var connectTimeout: Duration

    public init(
        user: String, endpoint: Endpoint, database: String, sslMode: SSLMode = .prefer,
        sslRootCertificate: String? = nil, connectTimeout: Duration = .seconds(10)
    ) {
        self.user = user
        self.endpoint = endpoint
        self.database = database
        self.sslMode = sslMode
        self.sslRootCertificate = sslRootCertificate
        self.connectTimeout = connectTimeout
    }

    /// True for text that names a PostgreSQL journal rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// `127.0.0.1:55432` or the socket's path, as messages name the server.
    public var server: String {
        switch endpoint {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .socket(let directory, let port): return "\(directory)/.s.PGSQL.\(port)"
        }
    }

    /// The URL without secrets (there are none in it): `postgresql://alice@db1:5432/drover`.
    public var description: String {
        switch endpoint {
        case .tcp: return "postgresql://\(user)@\(server)/\(database)"
        case .socket(let directory, let port):
            return "postgresql://\(user)@/\(database)?host=\(directory)" + (port == 5432 ? "" : "&port=\(port)")
        }
    }

    /// Reads a journal URL.
    /// - Parameter environment: for `PGUSER` and the account name's fallbacks.
    /// - Throws: `PostgresLocationError` with a sentence; a password in the URL is refused without repeating it.
    public static func parse(
        _ text: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PostgresLocation {
        guard isURL(text), let schemeEnd = text.range(of: "://") else {
            throw PostgresLocationError("'\(text)' is not a postgresql:// URL")
        }
        var rest = String(text[schemeEnd.upperBound...])
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = String(rest[..<mark])
        }
        var authority = rest
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = String(rest[..<slash])
            path = String(rest[rest.index(after: slash)...])
        }
        var user: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = String(authority[..<at])
            hostPort = String(authority[authority.index(after: at)...])
            if userInfo.contains(":") {
                throw PostgresLocationError(
                    "the journal URL holds a password: Drover takes it only from PGPASSWORD or ~/.pgpass (a password on "
                        + "the command line shows in ps and shell history); remove it from the URL")
            }
            user = try decode(userInfo, "user name")
        }
        var host: String?
        var port = 5432
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw PostgresLocationError("the journal URL's host '\(hostPort)' has no closing ]")
            }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { port = try Self.port(String(after.dropFirst())) }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = try decode(String(hostPort[..<colon]), "host")
            port = try Self.port(String(hostPort[hostPort.index(after: colon)...]))
        } else if !hostPort.isEmpty {
            host = try decode(hostPort, "host")
        }
        var sslMode = SSLMode.prefer
        var rootCertificate: String?
        var timeout: Duration = .seconds(10)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0]
            let value = try decode(parts.count > 1 ? parts[1] : "", name)
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw PostgresLocationError(
                        "sslmode=\(value) is not one Drover knows: use "
                            + SSLMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                sslMode = mode
            case "sslrootcert": rootCertificate = value
            case "host": host = value
            case "port": port = try Self.port(value)
            case "user": user = value
            case "dbname": path = value
            case "connect_timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw PostgresLocationError("connect_timeout=\(value) must be a number of seconds from 1 to 3600")
                }
                timeout = .seconds(seconds)
            case "password":
                throw PostgresLocationError(
                    "the journal URL holds a password: Drover takes it only from PGPASSWORD or ~/.pgpass; remove it")
            default:
                throw PostgresLocationError(
                    "the journal URL has a parameter '\(name)' Drover does not know (it knows sslmode, sslrootcert, "
                        + "host, port, user, dbname, connect_timeout)")
            }
        }
        let resolvedUser = try user.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGUSER"].flatMap {
            $0.isEmpty ? nil : $0
        } ?? accountName(environment)
        let database = try decode(path, "database name")
        let endpoint: Endpoint
        switch host {
        case let host? where host.hasPrefix("/"):
            endpoint = .socket(directory: host, port: port)
        case let host? where !host.isEmpty:
            endpoint = .tcp(host: host, port: port)
        default:
            endpoint = .socket(directory: "/var/run/postgresql", port: port)
        }
        if rootCertificate == "system" {
            rootCertificate = nil
        } else if rootCertificate == nil, sslMode == .verifyFull {
            rootCertificate = defaultRootCertificate(environment)
        }
        if case .socket = endpoint, sslMode == .require || sslMode == .verifyFull {
            throw PostgresLocationError("sslmode=\(sslMode.rawValue) needs a TCP host: a Unix socket is not encrypted")
        }
        return PostgresLocation(
            user: resolvedUser, endpoint: endpoint, database: database.isEmpty ? resolvedUser : database,
            sslMode: sslMode, sslRootCertificate: rootCertificate, connectTimeout: timeout)
    }

    /// libpq's default CA file, `~/.postgresql/root.crt`, when it exists.
    private static func defaultRootCertificate(_ environment: [String: String]) -> String? {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let path = home + "/.postgresql/root.crt"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    private static func decode(_ text: String, _ what: String) throws -> String {
        guard let decoded = text.removingPercentEncoding else {
            throw PostgresLocationError("the journal URL's \(what) '\(text)' has a bad %-escape")
        }
        return decoded
    }

    private static func port(_ text: String) throws -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw PostgresLocationError("the journal URL's port '\(text)' is not a port number (1-65535)")
        }
        return port
    }

    private static func accountName(_ environment: [String: String]) throws -> String {
        for name in ["USER", "LOGNAME"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        throw PostgresLocationError("the journal URL names no user, and neither PGUSER nor USER is set")
    }
}

/// A journal URL that cannot be used, in one sentence.
public struct PostgresLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
