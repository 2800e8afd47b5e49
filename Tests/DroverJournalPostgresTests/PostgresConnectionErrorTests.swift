import DroverJournal
import DroverJournalPostgres
import DroverTestSupport
import Foundation
import Testing

/// What an operator reads when the journal's server cannot be used: one sentence naming the server and the cause,
/// within a bounded time, never the password.
@Suite struct PostgresConnectionErrorTests {
    @Test func aPortNobodyListensOnIsUnreachableNamingHostAndPort() async throws {
        // 127.0.0.1:9 (discard): nothing listens there on the test machines; only loopback is ever dialled.
        let location = try PostgresLocation.parse("postgresql://drover@127.0.0.1:9/drover?sslmode=disable")
        let error = try await #require(throws: JournalError.self) {
            try await PostgresJournal.open(location, password: ("secret-not-shown", .environment))
        }
        #expect(error.code == .unreachable)
        #expect(error.message.contains("127.0.0.1:9"))
        #expect(error.message.contains("connection refused"))
        #expect(!error.message.contains("secret-not-shown"))
    }

    @Test func aWrongPasswordIsNamedWithoutEchoingIt() async throws {
        var location = try PostgresLocation.parse(try PostgresTestCluster.adminURL())
        location.sslMode = .disable
        let error = try await #require(throws: JournalError.self) {
            try await PostgresJournal.open(location, password: ("wrong-horse-battery", .environment))
        }
        #expect(error.message.contains("refused the password for user 'drover' (from PGPASSWORD)"))
        #expect(!error.message.contains("wrong-horse-battery"))
    }

    @Test func aMissingDatabaseSaysHowToCreateIt() async throws {
        var location = try PostgresLocation.parse(try PostgresTestCluster.adminURL())
        location.database = "drover_no_such_database"
        let error = try await #require(throws: JournalError.self) {
            try await PostgresJournal.open(location, password: PasswordFile.password(for: location))
        }
        #expect(error.message.contains("the database 'drover_no_such_database' does not exist"))
        #expect(error.message.contains("CREATE DATABASE"))
    }

    @Test func aRoleWithoutPrivilegesIsToldWhichAndPointedAtTheGrants() async throws {
        let url = try await PostgresTestCluster.freshDatabase("grants")
        var location = try PostgresLocation.parse(url)
        let role = "drover_reader_" + UUID().uuidString.prefix(8).lowercased()
        try await PostgresTestCluster.execute(
            "CREATE ROLE \(role) LOGIN PASSWORD 'reader-pass'",
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC", database: location.database)
        location.user = role
        let error = try await #require(throws: JournalError.self) {
            try await PostgresJournal.open(location, password: ("reader-pass", .environment))
        }
        #expect(error.message.contains("lacks a privilege"))
        #expect(error.message.contains(role))
        #expect(error.message.contains("GRANT"))
        #expect(!error.message.contains("reader-pass"))
    }
}
