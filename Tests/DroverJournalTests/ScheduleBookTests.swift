import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The schedule book over every backend: planned runs fold into revisions and statuses, and a notice's claim is a
/// compare-and-swap on the book's head, so concurrent senders cannot both win it.
@Suite struct ScheduleBookTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func plan(_ id: String = "S-RFC-2026-0042", startingIn hours: Double = 24) -> ScheduledRun {
        ScheduledRun(
            id: id, playbook: "Kernel update", playbookPath: "/p/play.yml", playbookHash: "ab", inventoryPath: "/p/hosts.ini",
            policyPath: nil, limit: "all", environment: "production", change: ChangeInfo(id: "RFC-2026-0042"),
            hosts: ["app1"], rollback: "none", start: start.addingTimeInterval(hours * 3600),
            end: start.addingTimeInterval((hours + 4) * 3600), window: "Primary", timeZone: "UTC")
    }

    static func note(_ fact: ScheduleFact, by: String = "alice") -> JournalNote {
        JournalNote(kind: .runScheduled, text: "t", by: by, schedule: fact)
    }

    @Test(arguments: Backend.all)
    func plansMovesCancelsAndStartsFoldIntoOneEntryPerChange(_ backend: Backend) async throws {
        let (journal, _) = try await backend.make(SteppingClock(start: Self.start, step: 0))
        for fact in [
            ScheduleFact.scheduled(Self.plan()), .scheduled(Self.plan(startingIn: 48)),
            .scheduled(Self.plan("S-other")), .cancelled(schedule: "S-other", reason: "not needed"),
            .started(schedule: "S-RFC-2026-0042", run: "r1"),
        ] {
            try await ScheduleBook.update(journal, by: "alice", now: Self.start) { _ in [Self.note(fact)] }
        }
        let book = try await ScheduleBook.read(from: journal)
        #expect(book.head == 5)
        #expect(book.entries.map(\.plan.id) == ["S-RFC-2026-0042", "S-other"])
        #expect(book.entries[0].revision == 1)
        #expect(book.entries[0].plan.start == Self.start.addingTimeInterval(48 * 3600))
        #expect(book.entries[0].status(at: Self.start) == .started)
        #expect(book.entries[1].status(at: Self.start) == .cancelled)
        #expect(book.entries[1].revision == 1)
        // The book is a chain of its own: intact, and known as no run.
        #expect(try await journal.verify(run: ScheduleBook.runID).allSatisfy(\.isIntact))
        #expect(try await journal.run(ScheduleBook.runID)?.isScheduleBook == true)
    }

    @Test(arguments: Backend.all)
    func ofManyConcurrentClaimsOfOneNoticeExactlyOneWins(_ backend: Backend) async throws {
        let (journal, _) = try await backend.make(SteppingClock(start: Self.start, step: 0))
        try await ScheduleBook.update(journal, by: "alice", now: Self.start) { _ in [Self.note(.scheduled(Self.plan()))] }
        let key = "S-RFC-2026-0042/r0/advance/72h/0"
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for sender in 0..<8 {
                group.addTask {
                    let (_, written) = try await ScheduleBook.update(journal, by: "cron", now: Self.start) { book in
                        guard book.claimable(key, at: Self.start) else { return [] }
                        let claim = NoticeClaim(key: key, schedule: "S-RFC-2026-0042", claimant: "ctl:\(sender)", at: Self.start)
                        return [JournalNote(kind: .noticeClaimed, text: "claimed", schedule: .claimed(claim))]
                    }
                    return !written.isEmpty
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
        let book = try await ScheduleBook.read(from: journal)
        #expect(book.claims.count == 1)
        #expect(book.head == 2)
    }

    @Test func anOpenClaimGoesStaleAndAMarkedOneNever() throws {
        var events: [JournalEvent] = []
        func add(_ note: JournalNote, at time: Date) throws {
            let entry = JournalEntry.note(note)
            events.append(
                JournalEvent(
                    run: ScheduleBook.runID, sequence: events.count + 1, timestamp: EventChain.timestamp(time),
                    kind: entry.kind, payload: try entry.canonicalPayload(), previousHash: "", hash: ""))
        }
        let claim = NoticeClaim(key: "k", schedule: "S-1", claimant: "ctl:1", at: Self.start)
        try add(JournalNote(kind: .noticeClaimed, text: "c", schedule: .claimed(claim)), at: Self.start)
        let open = try ScheduleBook(events: events)
        #expect(!open.claimable("k", at: Self.start.addingTimeInterval(60)))
        #expect(open.claimable("k", at: Self.start.addingTimeInterval(ScheduleBook.staleClaim)))
        try add(
            JournalNote(kind: .noticeSent, text: "s", schedule: .sent(key: "k", delivered: true, error: nil)),
            at: Self.start)
        let marked = try ScheduleBook(events: events)
        #expect(!marked.claimable("k", at: Self.start.addingTimeInterval(10 * ScheduleBook.staleClaim)))
    }
}
