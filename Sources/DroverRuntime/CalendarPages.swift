public import DroverEngine
public import DroverJournal
public import DroverModel
public import Foundation

/// `drover calendar`'s pages, as pure functions of the policy's calendar and the schedule book: one day as a line for
/// people and a JSON object, and a range of days as an iCalendar (RFC 5545) document a calendar app subscribes to.
public enum CalendarPages {
    /// One day of the calendar, as text for people and a JSON line.
    public static func day(
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
                "name": window.name, "start": instant(window.start), "end": instant(window.end),
                "time_zone": window.timeZone,
                "open": pieces.map { ["start": instant($0.0), "end": instant($0.1)] },
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
                    "id": $0.plan.id, "title": $0.plan.title, "start": instant($0.plan.start),
                    "end": instant($0.plan.end), "status": $0.status(at: now).rawValue,
                    "revision": $0.revision,
                ] as [String: Any]
            },
            "blackouts": blackouts.map {
                [
                    "name": $0.name, "start": instant($0.start), "end": instant($0.end),
                    "time_zone": $0.timeZone, "all_day": $0.start <= start && $0.end >= end,
                ] as [String: Any]
            },
            "open": open.filter { $0.end > start && $0.start < end }.map {
                ["start": instant(max($0.start, start)), "end": instant(min($0.end, end))]
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return (human, String(decoding: data, as: UTF8.self))
    }

    /// The windows starting in `[from, to)` and the blackouts touching it as an iCalendar (RFC 5545) document:
    /// one event per occurrence, times in UTC, windows free and blackouts busy.
    public static func iCalendar(
        environment: String, calendar: MaintenanceCalendar, from: Date, to: Date, stamp: Date,
        planned: [ScheduleBook.Entry] = []
    ) -> String {
        func time(_ date: Date) -> String {
            instant(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
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

    /// One planned run as a VEVENT: its UID never changes, `SEQUENCE` is its revision (moved, cancelled), `STATUS`
    /// is CANCELLED once cancelled; the description is the runbook's calendar entry.
    static func plannedEvent(
        _ entry: ScheduleBook.Entry, environment: String, stamp: String, text: (String) -> String
    ) -> [String] {
        let plan = entry.plan
        func time(_ date: Date) -> String {
            instant(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        }
        let end = plan.change.estimate.map { plan.start.addingTimeInterval(TimeInterval($0.components.seconds)) } ?? plan.end
        var description = [
            "Change: \(plan.change.id ?? "no change id") (\(plan.change.type.rawValue))"
                + (plan.change.approvedBy.map { ", approved by \($0)" } ?? ""),
            "Playbook: \(plan.playbook)",
            "Hosts: \(plan.hosts.count)" + (plan.hosts.isEmpty ? "" : " (\(plan.hosts.prefix(8).joined(separator: ", "))"
                + (plan.hosts.count > 8 ? " and \(plan.hosts.count - 8) more)" : ")")),
            "Impact: \(plan.change.impact ?? "not stated")",
            "Rollback: \(plan.rollback)",
            "Must be over by: \(instant(plan.end))" + (plan.window.map { " (window \($0))" } ?? ""),
        ]
        if let requester = plan.change.requestedBy { description.append("Requested by: \(requester)") }
        if let contact = plan.change.contact { description.append("Contact: \(contact)") }
        if let cancelled = entry.cancelled { description.insert("CANCELLED: \(cancelled.reason)", at: 0) }
        return [
            "BEGIN:VEVENT", "UID:" + text("schedule-\(plan.id)@drover"), "DTSTAMP:" + stamp,
            "SEQUENCE:\(entry.revision)", "STATUS:" + (entry.cancelled == nil ? "CONFIRMED" : "CANCELLED"),
            "DTSTART:" + time(plan.start), "DTEND:" + time(end),
            "SUMMARY:" + text("[\(environment)] Maintenance: \(plan.title)"),
            "DESCRIPTION:" + text(description.joined(separator: "\n")), "TRANSP:OPAQUE", "END:VEVENT",
        ]
    }

    /// `2026-11-22T03:00:00Z`.
    static func instant(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
