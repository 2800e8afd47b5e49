import DroverJournal
import Foundation
import PostgresNIO

/// Turns what postgres-nio and SwiftNIO throw into a `JournalError` a tired on-call engineer understands: the server
/// (host:port or socket), what Drover was doing, the cause in words, and what to do. Never a password.
enum PostgresFailure {
    /// SQLSTATE classes and codes Drover says something particular about.
    enum State {
        static let invalidPassword = "28P01"
        static let invalidAuthorization = "28000"
        static let unknownDatabase = "3D000"
        static let insufficientPrivilege = "42501"
        static let adminShutdown = "57P01"
        static let crashShutdown = "57P02"
        static let cannotConnectNow = "57P03"
        static let uniqueViolation = "23505"
        static let serializationFailure = "40001"
        static let deadlock = "40P01"
    }

    /// The error for `error`, raised while doing `what` on the server at `location`.
    static func journalError(
        _ error: any Error, location: PostgresLocation, what: String, code: JournalError.Code,
        password: PasswordFile.Source?
    ) -> JournalError {
        if let error = error as? JournalError { return error }
        let server = location.server
        let unreachable = "cannot reach the journal's PostgreSQL server at \(server)"
        if error is PostgresLink.CallTimeout {
            return JournalError(
                .unreachable,
                "\(unreachable): no answer within the journal's call timeout while trying to \(what) (server hung, or "
                    + "the network in between?)")
        }
        if let error = error as? PostgresLocationError { return JournalError(.unavailable, error.message) }
        if let tls = tlsFailure(error) {
            return JournalError(
                .unavailable,
                "TLS with the journal's server at \(server) failed (\(tlsCause(tls, location: location))): "
                    + "sslmode=\(location.sslMode.rawValue)"
                    + (location.sslMode == .verifyFull
                        ? " checks the server's certificate against "
                            + (location.sslRootCertificate ?? "the system's trusted roots") + " and its host name"
                        : ""))
        }
        guard let psql = error as? PSQLError else {
            if let cause = networkCause(error) { return JournalError(.unreachable, "\(unreachable): \(cause)") }
            return JournalError(code, "journal \(location): cannot \(what): \(oneLine("\(error)"))")
        }
        switch psql.code {
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            let message = oneLine(psql.serverInfo?[.message] ?? "\(psql)")
            switch state {
            case State.invalidPassword:
                let source = password.map { " (from \($0))" } ?? ""
                return JournalError(
                    .unavailable,
                    "PostgreSQL at \(server) refused the password for user '\(location.user)'\(source): fix it in "
                        + "PGPASSWORD or ~/.pgpass")
            case State.invalidAuthorization:
                return JournalError(
                    .unavailable, "PostgreSQL at \(server) refused user '\(location.user)': \(message)")
            case State.unknownDatabase:
                return JournalError(
                    .unavailable,
                    "the database '\(location.database)' does not exist on the PostgreSQL server at \(server): create "
                        + "it (CREATE DATABASE \(location.database) OWNER \(location.user)), or name another in the URL")
            case State.insufficientPrivilege:
                return JournalError(
                    .unavailable,
                    "the role '\(location.user)' lacks a privilege the journal needs on '\(location.database)' at "
                        + "\(server) (\(message)) while trying to \(what): see the GRANTs in the README's "
                        + "'The team journal on PostgreSQL'")
            case State.adminShutdown, State.crashShutdown, State.cannotConnectNow:
                return JournalError(.unreachable, "\(unreachable): the server is shutting down or starting (\(message))")
            default:
                return JournalError(code, "journal \(location): cannot \(what): \(message) (SQLSTATE \(state))")
            }
        case .authMechanismRequiresPassword:
            return JournalError(
                .unavailable,
                "PostgreSQL at \(server) asks for a password for user '\(location.user)' and none was found: set "
                    + "PGPASSWORD, or add a line host:port:database:user:password to ~/.pgpass (mode 600)")
        case .sslUnsupported:
            return JournalError(
                .unavailable,
                "the PostgreSQL server at \(server) does not offer TLS, and sslmode=\(location.sslMode.rawValue) "
                    + "requires it")
        case .saslError, .unsupportedAuthMechanism:
            return JournalError(
                .unavailable,
                "PostgreSQL at \(server) and Drover could not agree on a login for '\(location.user)' (\(psql.code))")
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            if let underlying = psql.underlying, let cause = networkCause(underlying) {
                return JournalError(.unreachable, "\(unreachable): \(cause)")
            }
            return JournalError(
                .unreachable, "\(unreachable): the connection was closed while trying to \(what) (server restarted?)")
        default:
            return JournalError(code, "journal \(location): cannot \(what): \(psql.code)")
        }
    }

    /// True when the connection is gone (the next call must connect again).
    static func isConnectionLost(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError else { return networkCause(error) != nil }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection: return true
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            return [State.adminShutdown, State.crashShutdown, State.cannotConnectNow].contains(state)
        default: return false
        }
    }

    /// The SQLSTATE of a server error, if it is one.
    static func sqlState(_ error: any Error) -> String? {
        guard let psql = error as? PSQLError, psql.code == .server else { return nil }
        return psql.serverInfo?[.sqlState]
    }

    /// The TLS failure in `error` (itself, or the cause postgres-nio wraps): a certificate refused, a handshake that
    /// failed. Nil for anything else, and for a TLS connection the server closed without saying goodbye (a server
    /// restart: an outage, not a TLS problem).
    static func tlsFailure(_ error: any Error) -> (any Error)? {
        let cause = (error as? PSQLError)?.underlying ?? error
        if let ssl = cause as? NIOSSLError, ssl == .uncleanShutdown { return nil }
        return cause is NIOSSLError || cause is NIOSSLExtraError || cause is BoringSSLError ? cause : nil
    }

    /// A TLS failure in words.
    private static func tlsCause(_ error: any Error, location: PostgresLocation) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname, case .tcp(let host, _) = location.endpoint {
            return "its certificate is not for '\(host)'"
        }
        let text = oneLine("\(error)")
        // BoringSSL's own text names the source file it failed in: not worth a reader's time.
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return "its certificate is not signed by a CA Drover trusts" }
        return text
    }

    /// A network failure in words (`connection refused`), or nil when `error` is not one.
    static func networkCause(_ error: any Error) -> String? {
        if let ssl = error as? NIOSSLError, ssl == .uncleanShutdown { return "the connection was closed (server restarted?)" }
        if let error = error as? NIOConnectionError {
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve the host name (\(oneLine("\(dns)")))" }
            return error.connectionErrors.first.flatMap { networkCause($0.error) } ?? "cannot connect"
        }
        if let error = error as? IOError { return describe(errno: error.errnoCode) }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout(let amount):
                return "no connection within \(amount.nanoseconds / 1_000_000_000) s (connect_timeout)"
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
                return "the connection was closed (server restarted?)"
            default: return "\(error)"
            }
        }
        if let error = error as? SocketAddressError { return "not an address Drover can connect to (\(error))" }
        return nil
    }

    private static func describe(errno code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused (is the server running, and listening there?)"
        case ENOENT: return "no such socket (is the server running, with its socket in that directory?)"
        case ETIMEDOUT: return "the connection timed out"
        case EHOSTUNREACH, ENETUNREACH: return "no route to the host"
        case ECONNRESET, EPIPE: return "the connection was reset (server restarted?)"
        case EACCES: return "permission denied on the socket"
        default: return String(cString: strerror(code))
        }
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
