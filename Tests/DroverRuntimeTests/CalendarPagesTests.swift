import DroverEngine
import DroverJournal
import DroverModel
import DroverRuntime
import DroverTestSupport
import Foundation
import Testing

/// `drover calendar`'s pages as pure functions: the day lines and the iCalendar document a calendar app reads (the
/// command itself is run over files in `WindowCommandTests` and `ScheduleCommandTests`).
struct CalendarPagesTests {
    static func t(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static func time(_ text: String) -> WallClockTime {
        let parts = text.split(separator: ":").map { Int($0)! }
        return WallClockTime(hour: parts[0], minute: parts[1])!
    }

    /// Sunday nights 02:00–06:00 UTC, with a blackout from 03:00 to 04:00 on Sundays whose name needs escaping.
    static let policy = EnvironmentPolicy(
        windows: [
            MaintenanceWindow(
                name: "Primary, Sunday", recurrence: .weekdays([.sunday]), start: time("02:00"), end: time("06:00"),
                timeZone: "UTC")
        ],
        blackouts: [
            Blackout(
                name: "Batch jobs; nightly", kind: .weekly([.sunday], TimeRange(start: time("03:00"), end: time("04:00"))),
                timeZone: "UTC")
        ])

    static func plan(title: String) -> ScheduledRun {
        ScheduledRun(
            id: "S-RFC-7", playbook: title, playbookPath: "/p/play.yml", playbookHash: "ab",
            inventoryPath: "/p/hosts.ini", policyPath: nil, limit: "all", environment: "production",
            change: ChangeInfo(id: "RFC-7", estimate: .seconds(1800)), hosts: ["app1", "app2"], rollback: "none",
            start: t("2026-12-13T02:00:00Z"), end: t("2026-12-13T06:00:00Z"), window: "Primary, Sunday",
            timeZone: "UTC")
    }

    /// The schedule book after `facts`, read back as `drover calendar` reads it.
    static func entries(_ facts: [ScheduleFact]) async throws -> [ScheduleBook.Entry] {
        let journal = InMemoryJournal(now: { t("2026-12-07T12:00:00Z") })
        for fact in facts {
            try await ScheduleBook.update(journal, by: "alice", now: t("2026-12-07T12:00:00Z")) { _ in
                [JournalNote(kind: .runScheduled, text: "t", by: "alice", schedule: fact)]
            }
        }
        return try await ScheduleBook.read(from: journal).entries
    }

    @Test func aDayShowsTheWindowCutByTheBlackoutAndTheRunPlannedInIt() async throws {
        let planned = try await Self.entries([.scheduled(Self.plan(title: "Kernel update"))])
        let page = CalendarPages.day(
            try #require(CalendarDate(year: 2026, month: 12, day: 13)), calendar: MaintenanceCalendar(policy: Self.policy),
            zone: .utc, unrestrictedHours: false, planned: planned, now: Self.t("2026-12-07T12:00:00Z"))
        #expect(
            page.human
                == "Sun 2026-12-13  window 'Primary, Sunday' 02:00–06:00: open 02:00–03:00, 04:00–06:00 (cut by "
                + "'Batch jobs; nightly'); planned S-RFC-7 'Kernel update' at 02:00: SCHEDULED")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(page.json.utf8)) as? [String: Any])
        let windows = try #require(object["windows"] as? [[String: Any]])
        let open = try #require(windows.first?["open"] as? [[String: String]])
        #expect(open.compactMap { $0["start"] } == ["2026-12-13T02:00:00Z", "2026-12-13T04:00:00Z"])
        #expect((object["planned"] as? [[String: Any]])?.first?["status"] as? String == "SCHEDULED")
    }

    @Test func theICalendarEscapesFoldsAndEndsEveryLineWithCRLF() async throws {
        let long = "Kernel update " + String(repeating: "ü", count: 60)  // two octets each: folded by octets
        let planned = try await Self.entries([.scheduled(Self.plan(title: long))])
        let document = CalendarPages.iCalendar(
            environment: "production", calendar: MaintenanceCalendar(policy: Self.policy),
            from: Self.t("2026-12-13T00:00:00Z"), to: Self.t("2026-12-14T00:00:00Z"),
            stamp: Self.t("2026-12-07T12:00:00Z"), planned: planned)
        #expect(document.hasSuffix("END:VCALENDAR\r\n"))
        let lines = document.components(separatedBy: "\r\n").dropLast()
        #expect(lines.allSatisfy { $0.utf8.count <= 75 && !$0.contains("\n") })
        // Unfolded (a CRLF and one space joined back), the summary is whole again.
        let unfolded = document.replacingOccurrences(of: "\r\n ", with: "")
        #expect(unfolded.contains("SUMMARY:[production] Maintenance: \(long)\r\n"))
        #expect(unfolded.contains("SUMMARY:Maintenance window: Primary\\, Sunday (production)\r\n"))
        #expect(unfolded.contains("SUMMARY:BLACKOUT: Batch jobs\\; nightly (production)\r\n"))
        #expect(unfolded.contains("UID:window-20261213T020000Z-PrimarySunday-production@drover\r\n"))
        #expect(unfolded.contains("DTSTART:20261213T020000Z\r\nDTEND:20261213T023000Z\r\n"))  // start + estimate
        #expect(unfolded.contains("STATUS:CONFIRMED\r\n"))
    }

    @Test func aMovedThenCancelledRunKeepsItsUIDWithAHigherSequence() async throws {
        let planned = try await Self.entries([
            .scheduled(Self.plan(title: "Kernel update")), .scheduled(Self.plan(title: "Kernel update")),
            .cancelled(schedule: "S-RFC-7", reason: "vendor patch withdrawn"),
        ])
        let document = CalendarPages.iCalendar(
            environment: "production", calendar: MaintenanceCalendar(policy: Self.policy),
            from: Self.t("2026-12-13T00:00:00Z"), to: Self.t("2026-12-14T00:00:00Z"),
            stamp: Self.t("2026-12-07T12:00:00Z"), planned: planned
        ).replacingOccurrences(of: "\r\n ", with: "")
        #expect(document.contains("UID:schedule-S-RFC-7@drover\r\nDTSTAMP:20261207T120000Z\r\nSEQUENCE:2\r\n"))
        #expect(document.contains("STATUS:CANCELLED\r\n"))
        #expect(document.contains("DESCRIPTION:CANCELLED: vendor patch withdrawn\\n"))
    }
}
