import ArgumentParser
import DroverEngine
import DroverJournal
import DroverLoading
import DroverModel
import Foundation

/// `drover calendar --env ENV [--from DATE] [--days N]`: the windows, blackouts and freezes ahead, day by day, with
/// the runs planned in them (`drover schedule`).
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Print the maintenance windows ahead day by day, with what blackouts and freezes leave open.",
        discussion: """
            Days and times are on the policy's wall clock (its top-level timezone). Each window is listed on
            the day it starts with the spans it is really open; whole-day blackouts are marked as freezes.
            --output json prints one object per day with every window and blackout occurrence (UTC instants).
            Runs planned with drover schedule (read from the journal, when it exists) are shown on their day;
            in --output ics each is one event with a stable UID, a SEQUENCE that grows when it is moved, and
            STATUS:CANCELLED once cancelled, so a subscribed calendar follows it.
            """
    )

    @Option(help: "The environment (default: the inventory's drover_environment).")
    var env: String?

    @Option(help: "First day, YYYY-MM-DD (default: today).")
    var from: String?

    @Option(help: "How many days (1...400).")
    var days: Int = 14

    @Option(name: .shortAndLong, help: "Ansible inventory: its drover_environment, and the policy.yml beside it.")
    var inventory: String?

    @OptionGroup var policyOptions: PolicyOptions

    @OptionGroup var journalOptions: JournalOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json, ics
    }

    @Option(help: "human, json (one object per day per line) or ics (iCalendar, for calendar apps).")
    var output: Format = .human

    func validate() throws {
        if env == nil, inventory == nil { throw ValidationError("name the environment with --env or an inventory with -i") }
        guard (1...MaintenanceCalendar.searchHorizonDays).contains(days) else {
            throw ValidationError("--days must be 1...\(MaintenanceCalendar.searchHorizonDays)")
        }
        if let from, Self.date(from) == nil { throw ValidationError("--from '\(from)' is not a date (YYYY-MM-DD)") }
    }

    static func date(_ text: String) -> CalendarDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2] else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    func run() async throws {
        let environment = try env ?? CommandSupport.inventory(inventory!, sshConfig: "none").environment
        let (policy, source) = try policyOptions.load(inventoryPath: inventory)
        let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
        let first = from.flatMap(Self.date) ?? zone.date(at: Date())
        let name = environment ?? "(no environment)"
        guard let policy, let environment, let rules = policy.environments[environment] else {
            let why = policy == nil ? source : "the policy (\(source)) does not name \(name)"
            if output == .human { print("\(name): \(why): no time restrictions, work may happen any day at any time") }
            return
        }
        let calendar = MaintenanceCalendar(policy: rules)
        let planned = try await plannedRuns(environment: environment)
        let now = Date()
        if output == .ics {
            let start = zone.instant(first, .startOfDay)
            let end = zone.instant(first.adding(days: days), .startOfDay)
            print(
                Self.iCalendar(
                    environment: environment, calendar: calendar, from: start, to: end, stamp: now,
                    planned: planned.filter { $0.plan.end >= start && $0.plan.start < end }),
                terminator: "")
            return
        }
        if output == .human {
            let last = first.adding(days: days - 1)
            print("\(name): \(first.weekday.shortName.capitalized) \(first) .. \(last.weekday.shortName.capitalized) \(last) (times in \(zone.identifier); policy \(source))")
        }
        for offset in 0..<days {
            let day = first.adding(days: offset)
            let report = Self.day(
                day, calendar: calendar, zone: zone, unrestrictedHours: rules.windows == nil, planned: planned, now: now)
            print(output == .human ? report.human : report.json)
        }
    }

    /// One day of the calendar, as text for people and a JSON line.
    static func day(
        _ day: CalendarDate, calendar: MaintenanceCalendar, zone: ZoneRules, unrestrictedHours: Bool,
        planned: [ScheduleBook.Entry] = [], now: Date = Date()
    ) -> (human: String, json: String) {
        let start = zone.instant(day, .startOfDay)
        let end = zone.instant(day.adding(days: 1), .startOfDay)
        let open = calendar.openSpans(from: start.addingTimeInterval(-2 * 86_400), to: end.addingTimeInterval(2 * 86_400))
        let blackouts = calendar.blackouts(from: start, to: end)
        let windows = calendar.windows(from: start, to: end).filter { $0.start >= start && $0.start < end }
        func clock(_ date: Date) -> String {
            let (date2, minutes) = zone.wallClock(at: date)
            let text = WallClockTime(hour: minutes / 60, minute: minutes % 60)!.description
            let shift = date2.daysSinceEpoch - day.daysSinceEpoch
            return shift == 0 ? text : text + (shift > 0 ? "+\(shift)" : "\(shift)")
        }
        var parts: [String] = []
        var windowObjects: [[String: Any]] = []
        let freezes = blackouts.filter { $0.start <= start && $0.end >= end }
        for freeze in freezes { parts.append("FREEZE '\(freeze.name)' all day") }
        if unrestrictedHours {
            let spans = open.filter { $0.end > start && $0.start < end }
            let text = spans.map { "\(clock(max($0.start, start)))–\(clock(min($0.end, end)))" }
            if freezes.isEmpty { parts.append(text.isEmpty ? "closed all day" : "open " + text.joined(separator: ", ")) }
        }
        for window in windows {
            let pieces = open.filter { $0.end > window.start && $0.start < window.end }
                .map { (max($0.start, window.start), min($0.end, window.end), $0) }
            var text = "window '\(window.name)' \(clock(window.start))–\(clock(window.end))"
            if window.timeZone != zone.identifier { text += " (\(window.timeZone))" }
            if pieces.isEmpty {
                let blocker = blackouts.first { $0.overlaps(from: window.start, to: window.end) }?.name
                    ?? calendar.blackouts(from: window.start, to: window.end).first?.name ?? "a blackout"
                text += ": BLOCKED by '\(blocker)'"
            } else if pieces.count == 1, pieces[0].0 == window.start, pieces[0].1 == window.end {
                text += ": open"
            } else {
                text += ": open " + pieces.map { "\(clock($0.0))–\(clock($0.1))" }.joined(separator: ", ")
                let cuts = Set(pieces.compactMap { piece -> String? in
                    if case .blackoutBegins(let name) = piece.2.closing, piece.1 == piece.2.end { return name }
                    return nil
                })
                if !cuts.isEmpty { text += " (cut by " + cuts.sorted().map { "'\($0)'" }.joined(separator: ", ") + ")" }
            }
            parts.append(text)
            windowObjects.append([
                "name": window.name, "start": InstantText.format(window.start), "end": InstantText.format(window.end),
                "time_zone": window.timeZone,
                "open": pieces.map { ["start": InstantText.format($0.0), "end": InstantText.format($0.1)] },
            ])
        }
        let today = planned.filter { $0.plan.start >= start && $0.plan.start < end }
        for entry in today {
            parts.append(
                "planned \(entry.plan.id) '\(entry.plan.title)' at \(clock(entry.plan.start)): \(entry.status(at: now).rawValue)")
        }
        let label = "\(day.weekday.shortName.capitalized) \(day)"
        let human = label + "  " + (parts.isEmpty ? "—" : parts.joined(separator: "; "))
        let object: [String: Any] = [
            "date": day.description, "weekday": day.weekday.shortName, "windows": windowObjects,
            "planned": today.map {
                [
                    "id": $0.plan.id, "title": $0.plan.title, "start": InstantText.format($0.plan.start),
                    "end": InstantText.format($0.plan.end), "status": $0.status(at: now).rawValue,
                    "revision": $0.revision,
                ] as [String: Any]
            },
            "blackouts": blackouts.map {
                [
                    "name": $0.name, "start": InstantText.format($0.start), "end": InstantText.format($0.end),
                    "time_zone": $0.timeZone, "all_day": $0.start <= start && $0.end >= end,
                ] as [String: Any]
            },
            "open": open.filter { $0.end > start && $0.start < end }.map {
                ["start": InstantText.format(max($0.start, start)), "end": InstantText.format(min($0.end, end))]
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return (human, String(decoding: data, as: UTF8.self))
    }

    /// The windows starting in `[from, to)` and the blackouts touching it as an iCalendar (RFC 5545) document:
    /// one event per occurrence, times in UTC, windows free and blackouts busy.
    static func iCalendar(
        environment: String, calendar: MaintenanceCalendar, from: Date, to: Date, stamp: Date,
        planned: [ScheduleBook.Entry] = []
    ) -> String {
        func time(_ date: Date) -> String {
            InstantText.format(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        }
        func text(_ value: String) -> String {
            value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
                .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\n", with: "\\n")
        }
        /// Lines longer than 75 octets continue on the next line after a space (RFC 5545 folding).
        func folded(_ line: String) -> [String] {
            var lines: [String] = []
            var current = ""
            for character in line {
                if current.utf8.count + character.utf8.count > (lines.isEmpty ? 75 : 74) {
                    lines.append(current)
                    current = ""
                }
                current.append(character)
            }
            lines.append(current)
            return lines.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }
        }
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Drover//maintenance calendar//EN", "CALSCALE:GREGORIAN",
            "X-WR-CALNAME:" + text("Maintenance: \(environment)"),
        ]
        func event(kind: String, name: String, start: Date, end: Date, busy: Bool, description: String) {
            let uid = "\(kind)-\(time(start))-\(name.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(String.init).joined())-\(environment)@drover"
            lines += [
                "BEGIN:VEVENT", "UID:" + text(uid), "DTSTAMP:" + time(stamp), "DTSTART:" + time(start),
                "DTEND:" + time(end), "SUMMARY:" + text("\(busy ? "BLACKOUT" : "Maintenance window"): \(name) (\(environment))"),
                "DESCRIPTION:" + text(description), "TRANSP:" + (busy ? "OPAQUE" : "TRANSPARENT"), "END:VEVENT",
            ]
        }
        for window in calendar.windows(from: from, to: to) where window.start >= from && window.start < to {
            event(
                kind: "window", name: window.name, start: window.start, end: window.end, busy: false,
                description: "Work may happen in \(environment) (zone \(window.timeZone)) unless a blackout applies.")
        }
        for blackout in calendar.blackouts(from: from, to: to) {
            event(
                kind: "blackout", name: blackout.name, start: blackout.start, end: blackout.end, busy: true,
                description: "No maintenance in \(environment), even inside a window (zone \(blackout.timeZone)).")
        }
        for entry in planned { lines += Self.plannedEvent(entry, environment: environment, stamp: time(stamp), text: text) }
        lines.append("END:VCALENDAR")
        return lines.flatMap(folded).map { $0 + "\r\n" }.joined()
    }
}
