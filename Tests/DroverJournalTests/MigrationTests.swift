@testable import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import GRDB
import Testing

/// The schema: created by its migrations, kept across reopening, and a clear error where it cannot be written.
@Suite struct MigrationTests {
    @Test func newJournalAppliesEveryMigrationInWALMode() async throws {
        let directory = try JournalFixtures.temporaryDirectory()
        let journal = try SQLiteJournal(path: directory + "/nested/journal.sqlite")
        #expect(
            try await journal.appliedMigrations() == [
                "v1: runs, events, step results, decisions, host locks", "v2: run inputs, leases by machine",
            ])
        // WAL mode leaves its -wal file beside the database once written.
        try await journal.begin(JournalFixtures.record())
        #expect(FileManager.default.fileExists(atPath: directory + "/nested/journal.sqlite-wal"))
    }

    @Test func reopeningAJournalKeepsItsRunsAndDoesNotMigrateAgain() async throws {
        let directory = try JournalFixtures.temporaryDirectory()
        let path = directory + "/journal.sqlite"
        do {
            let journal = try SQLiteJournal(path: path)
            try await journal.begin(JournalFixtures.record())
            try await journal.append(.event(JournalFixtures.rolledBackRun[0]), run: JournalFixtures.record().id)
        }
        let reopened = try SQLiteJournal(path: path)
        #expect(try await reopened.appliedMigrations().count == 2)
        let run = try #require(try await reopened.run(JournalFixtures.record().id))
        #expect(run.head.count == 1)
        #expect(run.change.id == "RFC-2026-0042")
        #expect(run.outline == JournalFixtures.record().outline)
    }

    @Test func readOnlyLocationIsAClearErrorNamingThePath() throws {
        let directory = try JournalFixtures.temporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: directory)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory) }
        // root ignores permissions; a file where the directory should be fails for everyone.
        let blocker = try JournalFixtures.temporaryDirectory() + "/file"
        _ = FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
        let error = try #require(throws: JournalError.self) { try SQLiteJournal(path: blocker + "/journal.sqlite") }
        #expect(error.code == .unavailable)
        #expect(error.message.contains(blocker))
    }

    @Test func aFileThatIsNotAJournalIsRefused() throws {
        let path = try JournalFixtures.temporaryDirectory() + "/journal.sqlite"
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 4096))
        let error = try #require(throws: JournalError.self) { try SQLiteJournal(path: path) }
        #expect(error.code == .unavailable)
        #expect(error.message.contains(path))
    }

    @Test func defaultLocationFollowsDroverHome() {
        #expect(JournalLocation.defaultPath(environment: ["DROVER_HOME": "/var/lib/drover"]) == "/var/lib/drover/journal.sqlite")
        #expect(JournalLocation.defaultPath(environment: ["HOME": "/home/ops"]) == "/home/ops/.local/state/drover/journal.sqlite")
    }
}

/// A journal written by the previous version (schema v1 only) opens, migrates to v2 and keeps its runs.
@Suite struct MigrationFromV1Tests {
    @Test func aV1JournalMigratesKeepingItsRunsAndDroppingItsHostLocks() async throws {
        let path = try JournalFixtures.temporaryDirectory() + "/journal.sqlite"
        do {
            let database = try DatabaseQueue(path: path)
            try SQLiteJournal.migrator.migrate(database, upTo: "v1: runs, events, step results, decisions, host locks")
            try await database.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO runs (id, playbook, playbook_path, playbook_hash, inventory_path, host_limit, forks,
                            operator, change_type, host_count, check_only, outline, started_at, status, event_count,
                            head_hash)
                        VALUES ('old-run', 'Old', '/p.yml', '', '/i.ini', 'all', 5, 'alice', 'routine', 1, 0, '[]',
                            '2026-11-22T02:00:00.000Z', 'SUCCESSFUL', 0, ?)
                        """, arguments: [EventChain.genesis])
                try db.execute(
                    sql: """
                        INSERT INTO host_locks VALUES ('host001', 'old-run', 'alice', 'ctl1', 42,
                            '2026-11-22T02:00:00.000Z', '2099-01-01T00:00:00.000Z')
                        """)
            }
        }
        let journal = try SQLiteJournal(path: path)
        #expect(try await journal.appliedMigrations().count == 2)
        let run = try #require(try await journal.run("old-run"))
        #expect(run.status == .successful)
        #expect(run.inputs == RunInputs())
        #expect(try await journal.leases().isEmpty)
    }
}
