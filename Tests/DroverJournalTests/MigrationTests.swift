import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The schema: created by its migrations, kept across reopening, and a clear error where it cannot be written.
@Suite struct MigrationTests {
    @Test func newJournalAppliesEveryMigrationInWALMode() throws {
        let directory = try JournalFixtures.temporaryDirectory()
        let journal = try SQLiteJournal(path: directory + "/nested/journal.sqlite")
        #expect(try journal.appliedMigrations() == ["v1: runs, events, step results, decisions, host locks"])
        // WAL mode leaves its -wal file beside the database once written.
        try journal.begin(JournalFixtures.record())
        #expect(FileManager.default.fileExists(atPath: directory + "/nested/journal.sqlite-wal"))
    }

    @Test func reopeningAJournalKeepsItsRunsAndDoesNotMigrateAgain() throws {
        let directory = try JournalFixtures.temporaryDirectory()
        let path = directory + "/journal.sqlite"
        do {
            let journal = try SQLiteJournal(path: path)
            try journal.begin(JournalFixtures.record())
            try journal.append(.event(JournalFixtures.rolledBackRun[0]), run: JournalFixtures.record().id)
        }
        let reopened = try SQLiteJournal(path: path)
        #expect(try reopened.appliedMigrations().count == 1)
        let run = try #require(try reopened.run(JournalFixtures.record().id))
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
