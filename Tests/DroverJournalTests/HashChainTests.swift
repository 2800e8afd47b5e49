import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import GRDB
import Testing

/// The events' hash chain: intact after writing, and any edit, deletion or truncation named by its event.
@Suite struct HashChainTests {
    @Test func aTimeReadBackFromItsTextIsWrittenTheSame() throws {
        // Every millisecond of a second: the text a time is stored as survives being read and written again (a copy
        // between journals, a run's start read back), and a time between two milliseconds takes the nearest.
        for millisecond in 0..<1000 {
            let text = "2026-12-07T17:10:09." + String(format: "%03d", millisecond) + "Z"
            let read = try #require(EventChain.date(text))
            #expect(EventChain.timestamp(read) == text)
        }
        let between = try #require(EventChain.date("2026-12-07T23:59:59.999Z")).addingTimeInterval(0.0006)
        #expect(EventChain.timestamp(between) == "2026-12-08T00:00:00.000Z")
        #expect(EventChain.timestamp(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750Z")
    }

    @Test func freshlyWrittenChainVerifies() async throws {
        let journal = try await JournalFixtures.journalWithRolledBackRun()
        let reports = try await journal.verify()
        #expect(reports.count == 1)
        #expect(reports[0].isIntact)
        #expect(reports[0].events == JournalFixtures.rolledBackRun.count)
        let events = try await journal.events(run: JournalFixtures.record().id)
        #expect(events.first?.previousHash == EventChain.genesis)
        for (previous, next) in zip(events, events.dropFirst()) { #expect(next.previousHash == previous.hash) }
    }

    struct Tamper: Sendable, CustomTestStringConvertible {
        var label: String
        var sql: String
        var sequence: Int
        var message: String
        var testDescription: String { label }
    }

    /// Each edit goes around the append-only triggers the way someone with the file would.
    static let tampering: [Tamper] = [
        Tamper(
            label: "one byte of a payload changed",
            sql: "UPDATE events SET payload = replace(payload, 'app3', 'app4') WHERE seq = 29",
            sequence: 29, message: "event 29 (step_finished) has been altered"),
        Tamper(
            label: "a timestamp moved", sql: "UPDATE events SET time = '2026-11-22T01:59:00.000Z' WHERE seq = 7",
            sequence: 7, message: "event 7 (step_finished) has been altered"),
        Tamper(
            label: "an event deleted", sql: "DELETE FROM events WHERE seq = 12", sequence: 12,
            message: "event 12 is missing"),
        Tamper(
            label: "a hash recomputed over edited content",
            sql: "UPDATE events SET kind = 'decision', hash = '\(String(repeating: "f", count: 64))' WHERE seq = 20",
            sequence: 20, message: "event 20 (decision) has been altered"),
        Tamper(
            label: "the last events cut off",
            sql: "DELETE FROM events WHERE seq > 40", sequence: 41, message: "events 41…45 are missing"),
    ]

    @Test(arguments: tampering)
    func verifyNamesTheFirstTamperedEvent(_ tamper: Tamper) async throws {
        let directory = try JournalFixtures.temporaryDirectory()
        let path = directory + "/journal.sqlite"
        let journal = try SQLiteJournal(path: path, now: SteppingClock(start: JournalFixtures.start).now)
        try await journal.begin(JournalFixtures.record())
        for event in JournalFixtures.rolledBackRun { try await journal.append(.event(event), run: JournalFixtures.record().id) }
        #expect(try await journal.verify().allSatisfy(\.isIntact))

        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            try db.execute(sql: "DROP TRIGGER events_are_append_only_update; DROP TRIGGER events_are_append_only_delete")
            try db.execute(sql: tamper.sql)
        }
        let report = try #require(try await journal.verify(run: JournalFixtures.record().id).first)
        let problem = try #require(report.problem)
        #expect(problem.sequence == tamper.sequence)
        #expect(problem.message.contains(tamper.message), "\(problem.message)")
    }

    @Test func eventsCannotBeEditedThroughTheDatabaseWhileTheTriggersStand() async throws {
        let directory = try JournalFixtures.temporaryDirectory()
        let path = directory + "/journal.sqlite"
        let journal = try SQLiteJournal(path: path)
        try await journal.begin(JournalFixtures.record())
        try await journal.append(.event(JournalFixtures.rolledBackRun[0]), run: JournalFixtures.record().id)
        let database = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try database.write { db in try db.execute(sql: "UPDATE events SET payload = '{}'") }
        }
        #expect(throws: DatabaseError.self) {
            try database.write { db in try db.execute(sql: "DELETE FROM events") }
        }
    }

    @Test func storedEventsDecodeBackToTheSameEvents() async throws {
        let journal = try await JournalFixtures.journalWithRolledBackRun()
        let decoded = try await journal.events(run: JournalFixtures.record().id).map { try $0.entry() }
        #expect(decoded == JournalFixtures.rolledBackRun.map { JournalEntry.event($0) })
    }
}
