import DroverJournal
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The one connection a journal holds to its server, used by one call at a time: a transaction needs the connection
/// to itself, and the recorder's group commit already makes writes one at a time.
///
/// It connects on first use and again after the connection broke (the server restarted, a network outage), so a
/// journal outlives an outage of its server. Every call is bounded: one that gets no answer within `callTimeout`
/// closes the connection (ending the call) and fails as `unreachable`, so a hung server never hangs a controller.
final class PostgresLink: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var nextID = 1
    }

    let location: PostgresLocation
    private let password: (String, PasswordFile.Source)?
    private let logger: Logger
    /// How long one call (connecting included) may go without an answer.
    let callTimeout: Duration
    private let state = Mutex(State())

    init(location: PostgresLocation, password: (String, PasswordFile.Source)?, logger: Logger, callTimeout: Duration) {
        self.location = location
        self.password = password
        self.logger = logger
        self.callTimeout = callTimeout
    }

    /// Runs `body` with the connection to itself, connecting first when there is none.
    /// - Parameter what: what the call does, for its error ("record 3 events of run X").
    /// - Throws: `JournalError`: `unreachable` when the server cannot be reached or stops answering, `unavailable`
    ///   when it refuses us (password, database, privileges), else `code`.
    func call<T: Sendable>(
        _ what: String, code: JournalError.Code, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        await acquire()
        defer { release() }
        let connection: PostgresConnection
        do {
            connection = try await connected()
        } catch {
            throw PostgresFailure.journalError(error, location: location, what: what, code: code, password: password?.1)
        }
        do {
            return try await bounded { try await body(connection) } onTimeout: { connection.closeQuietly() }
        } catch {
            if connection.isClosed || error is CallTimeout || PostgresFailure.isConnectionLost(error) {
                drop(connection)
            }
            throw PostgresFailure.journalError(error, location: location, what: what, code: code, password: password?.1)
        }
    }

    /// Runs `body` in a transaction (BEGIN … COMMIT; ROLLBACK when it throws).
    func transaction<T: Sendable>(
        _ what: String, code: JournalError.Code, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        return try await call(what, code: code) { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    /// A new connection of its own (LISTEN holds one for as long as it listens), with this journal's settings.
    func dedicatedConnection() async throws -> PostgresConnection {
        do {
            return try await bounded { try await self.connect() } onTimeout: {}
        } catch {
            throw PostgresFailure.journalError(
                error, location: location, what: "listen for events", code: .unavailable, password: password?.1)
        }
    }

    /// Closes the connection (the journal is done with).
    func close() {
        let connection = state.withLock { state -> PostgresConnection? in
            defer { state.connection = nil }
            return state.connection
        }
        connection?.closeQuietly()
    }

    deinit {
        state.withLock { $0.connection }?.closeQuietly()
    }

    // MARK: Connecting

    private func connected() async throws -> PostgresConnection {
        if let connection = state.withLock({ $0.connection }), !connection.isClosed { return connection }
        let connection = try await bounded { try await self.connect() } onTimeout: {}
        state.withLock { $0.connection = connection }
        return connection
    }

    private func connect() async throws -> PostgresConnection {
        var configuration: PostgresConnection.Configuration
        switch location.endpoint {
        case .tcp(let host, let port):
            configuration = .init(
                host: host, port: port, username: location.user, password: password?.0, database: location.database,
                tls: try Self.tls(location))
        case .socket(let directory, let port):
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: location.user, password: password?.0,
                database: location.database)
        }
        configuration.options.connectTimeout = .nanoseconds(
            location.connectTimeout.components.seconds * 1_000_000_000
                + location.connectTimeout.components.attoseconds / 1_000_000_000)
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
    }

    static func tls(_ location: PostgresLocation) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch location.sslMode {
        case .disable:
            return .disable
        case .prefer, .require:
            // libpq's meaning: encrypted, any certificate (verify-full checks it).
            tls.certificateVerification = .none
            let context = try NIOSSLContext(configuration: tls)
            return location.sslMode == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            if let roots = location.sslRootCertificate { tls.trustRoots = .file(roots) }
            return .require(try NIOSSLContext(configuration: tls))
        }
    }

    private func drop(_ connection: PostgresConnection) {
        state.withLock { state in
            if state.connection === connection { state.connection = nil }
        }
        connection.closeQuietly()
    }

    // MARK: One call at a time

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.busy {
                    state.waiting.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if ready { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }

    struct CallTimeout: Error {}

    /// `body`, or `CallTimeout` after `callTimeout` (then `onTimeout` runs, to end what `body` waits on).
    private func bounded<T: Sendable>(
        _ body: @escaping @Sendable () async throws -> T, onTimeout: @escaping @Sendable () -> Void
    ) async throws -> T {
        let timeout = callTimeout
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
                onTimeout()
                group.cancelAll()
                throw CallTimeout()
            }
            throw CallTimeout()
        }
    }
}

extension PostgresConnection {
    /// Closes the connection without waiting (a call waiting on it fails at once). The connection is kept alive until
    /// it is closed: postgres-nio requires a connection to be closed before it is freed.
    func closeQuietly() {
        (close() as EventLoopFuture<Void>).whenComplete { _ in withExtendedLifetime(self) {} }
    }
}
