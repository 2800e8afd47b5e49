import DroverJournal
@testable import DroverJournalPostgres
import DroverTestSupport
import Foundation
import Testing

/// The schema on a real server: created on first use with its version, migrated in one transaction, a newer one
/// refused, someone else's database refused.
@Suite struct PostgresSchemaTests {
    @Test func aNewDatabaseGetsEveryMigrationAndReopeningAppliesNone() async throws {
        let url = try await PostgresTestCluster.freshDatabase("schema")
        let journal = try await PostgresTestCluster.open(url)
        let latest = PostgresSchema.migrations.map(\.version).max()
        #expect(try await journal.schemaVersion() == latest)
        let again = try await PostgresTestCluster.open(url)
        #expect(try await again.migrate(PostgresSchema()) == .init(previous: latest ?? 0, current: latest ?? 0))
    }

    @Test func anOlderJournalIsMigratedInOneTransactionAndAFailedMigrationChangesNothing() async throws {
        let url = try await PostgresTestCluster.freshDatabase("schema")
        let journal = try await PostgresTestCluster.open(url)
        var failing = PostgresSchema()
        failing.migrations.append(
            .init(
                version: 2, name: "a table, then a mistake",
                statements: ["CREATE TABLE drover.later (id integer)", "SELECT no_such_function()"]))
        await #expect(throws: JournalError.self) { try await journal.migrate(failing) }
        // Rolled back: still version 1, and the first statement's table is gone with it.
        #expect(try await journal.schemaVersion() == 1)
        var working = PostgresSchema()
        working.migrations.append(
            .init(version: 2, name: "a later table", statements: ["CREATE TABLE drover.later (id integer)"]))
        #expect(try await journal.migrate(working) == .init(previous: 1, current: 2))
        #expect(try await journal.schemaVersion() == 2)
    }

    @Test func aJournalWrittenByANewerDroverIsRefusedWithASentence() async throws {
        let url = try await PostgresTestCluster.freshDatabase("schema")
        _ = try await PostgresTestCluster.open(url)
        let database = try PostgresLocation.parse(url).database
        try await PostgresTestCluster.execute(
            "INSERT INTO drover.meta (version, name, applied_at) VALUES (99, 'from the future', now())",
            database: database)
        let error = try await #require(throws: JournalError.self) { try await PostgresTestCluster.open(url) }
        #expect(error.code == .newerVersion)
        #expect(error.message.contains("newer Drover"))
        #expect(error.message.contains("version 99"))
    }

    @Test func someoneElsesDatabaseIsRefusedAndLeftAsItWas() async throws {
        let url = try await PostgresTestCluster.freshDatabase("schema")
        let database = try PostgresLocation.parse(url).database
        try await PostgresTestCluster.execute("CREATE TABLE public.invoices (id integer)", database: database)
        let error = try await #require(throws: JournalError.self) { try await PostgresTestCluster.open(url) }
        #expect(error.message.contains("public.invoices"))
        #expect(error.message.contains("someone else's database"))
        // Nothing was created: a second attempt finds the same (no half-made drover schema).
        let again = try await #require(throws: JournalError.self) { try await PostgresTestCluster.open(url) }
        #expect(again.message == error.message)
    }
}
