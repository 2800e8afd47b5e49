public import DroverModel
public import Foundation

/// Window calculation for one environment's policy (SPEC section 5): where its windows and blackouts fall in time,
/// and whether work is allowed at an instant. Pure: every answer is a function of the policy and the instants given.
///
/// Rules, as this type reads them:
/// - A window belongs to the day it starts; one whose end is not after its start ends on the next day; `24:00`
///   ends the day. `nth` windows open on the named day of each month.
/// - Times are read in each rule's own zone; daylight-saving gaps and overlaps are resolved by `ZoneRules`
///   (a missing start time starts at the first time that exists; a repeated time means its first occurrence).
/// - Blackouts win over windows. `month_end_days`, `yearly` and `dates` blackouts cover whole days in their zone;
///   a yearly range ending on `02-29` ends on `02-28` in common years.
/// - An environment without windows may work any time outside its blackouts.
/// - Searches ahead stop after `searchHorizonDays`.
public struct MaintenanceCalendar: Sendable {
    public let policy: EnvironmentPolicy
    private let zones: [String: ZoneRules]

    /// How far ahead the next opening or closing is searched for.
    public static let searchHorizonDays = 400

    public init(policy: EnvironmentPolicy) {
        self.policy = policy
        var zones: [String: ZoneRules] = [:]
        let names = (policy.windows ?? []).map(\.timeZone) + policy.blackouts.map(\.timeZone)
        for name in names where zones[name] == nil { zones[name] = ZoneRules(identifier: name) ?? .utc }
        self.zones = zones
    }

    private func zone(_ name: String) -> ZoneRules { zones[name] ?? .utc }

    /// Every window occurrence that overlaps `[from, to)`, by start.
    public func windows(from: Date, to: Date) -> [CalendarSpan] {
        var spans: [CalendarSpan] = []
        for window in policy.windows ?? [] {
            let rules = zone(window.timeZone)
            for date in Self.dates(from: from, to: to, in: rules) where Self.opens(window.recurrence, on: date) {
                let end = window.crossesMidnight || window.end.isEndOfDay
                    ? rules.instant(date.adding(days: 1), window.end.isEndOfDay ? .startOfDay : window.end)
                    : rules.instant(date, window.end)
                let span = CalendarSpan(
                    kind: .window, name: window.name, start: rules.instant(date, window.start), end: end,
                    timeZone: window.timeZone)
                // A window whose start and end fall into one daylight-saving gap is empty that day.
                if span.start < span.end, span.overlaps(from: from, to: to) { spans.append(span) }
            }
        }
        return spans.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }

    /// Every blackout occurrence that overlaps `[from, to)`, by start. Whole-day blackouts give one span per
    /// run of consecutive days.
    public func blackouts(from: Date, to: Date) -> [CalendarSpan] {
        var spans: [CalendarSpan] = []
        for blackout in policy.blackouts {
            let rules = zone(blackout.timeZone)
            var wholeDays: CalendarSpan?
            for date in Self.dates(from: from, to: to, in: rules) {
                let span: CalendarSpan?
                switch blackout.kind {
                case .daily(let range):
                    span = Self.span(blackout, range, on: date, rules)
                case .weekly(let days, let range):
                    span = days.contains(date.weekday) ? Self.span(blackout, range, on: date, rules) : nil
                case .monthEnd, .yearly, .dates:
                    if Self.coversWholeDay(blackout.kind, date) {
                        let start = rules.instant(date, .startOfDay)
                        let end = rules.instant(date.adding(days: 1), .startOfDay)
                        if var open = wholeDays, open.end == start {
                            open.end = end
                            wholeDays = open
                        } else {
                            if let open = wholeDays { spans.append(open) }
                            wholeDays = CalendarSpan(
                                kind: .blackout, name: blackout.name, start: start, end: end,
                                timeZone: blackout.timeZone)
                        }
                    }
                    span = nil
                }
                if let span, span.start < span.end { spans.append(span) }
            }
            if let open = wholeDays { spans.append(open) }
        }
        return spans.filter { $0.overlaps(from: from, to: to) }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
    }

    /// The spans of `[from, to)` in which work is allowed, by start. A span reaching `to` may go on beyond it.
    public func openSpans(from: Date, to: Date) -> [OpenSpan] {
        let windowSpans: [CalendarSpan]
        if policy.windows == nil {
            windowSpans = [CalendarSpan(kind: .window, name: "", start: from, end: to, timeZone: "UTC")]
        } else {
            windowSpans = windows(from: from, to: to)
        }
        let blocked = Self.merged(blackouts(from: from, to: to))
        var result: [OpenSpan] = []
        for group in Self.chains(windowSpans) {
            let end = group.map(\.end).max()!
            let lastName = group.max { $0.end < $1.end }!.name
            var cursor = group[0].start
            func name(at instant: Date) -> String? {
                guard policy.windows != nil else { return nil }
                return group.first { $0.contains(instant) }?.name ?? group[0].name
            }
            for blackout in blocked where blackout.end > cursor && blackout.start < end {
                if blackout.start > cursor {
                    result.append(
                        OpenSpan(start: cursor, end: blackout.start, window: name(at: cursor),
                            closing: .blackoutBegins(blackout.name)))
                }
                cursor = max(cursor, blackout.end)
            }
            if cursor < end {
                result.append(
                    OpenSpan(start: cursor, end: end, window: name(at: cursor),
                        closing: .windowEnds(policy.windows == nil ? "" : lastName)))
            }
        }
        // Pieces of consecutive chains that touch (a blackout ends exactly as the next window starts) stay apart:
        // they are different windows.
        return result.filter { $0.end > from && $0.start < to }
    }

    /// Whether work is allowed at `instant`, why, when that changes, and the next opening.
    public func verdict(at instant: Date) -> WindowVerdict {
        let before = instant.addingTimeInterval(-2 * 86_400)
        // Of the blackouts in force, name the one that lasts longest (it decides the next opening); ties go to the
        // one listed first.
        let order = Dictionary(policy.blackouts.enumerated().map { ($1.name, $0) }) { first, _ in first }
        let inBlackout = blackouts(from: instant, to: instant.addingTimeInterval(40 * 86_400))
            .filter { $0.contains(instant) }
            .min { ($1.end, order[$0.name] ?? 0) < ($0.end, order[$1.name] ?? 0) }
        let inWindow = windows(from: instant, to: instant.addingTimeInterval(1)).first { $0.contains(instant) }
        var verdict = WindowVerdict(instant: instant, allowed: false, basis: .outsideWindows)
        if let inBlackout {
            verdict.basis = .blackout(inBlackout.name)
        } else if policy.windows == nil {
            verdict.allowed = true
            verdict.basis = .anyTime
        } else if let inWindow {
            verdict.allowed = true
            verdict.basis = .window(inWindow.name)
        }
        for days in [8, 35, 120, Self.searchHorizonDays] {
            let horizon = instant.addingTimeInterval(Double(days) * 86_400)
            let spans = openSpans(from: before, to: horizon)
            let last = days == Self.searchHorizonDays
            if verdict.allowed {
                guard let current = spans.first(where: { $0.start <= instant && instant < $0.end }) else { break }
                if current.end >= horizon, !last { continue }
                if current.end < horizon {
                    verdict.closesAt = current.end
                    verdict.closing = current.closing
                }
                return verdict
            }
            if let next = spans.first(where: { $0.start > instant }) {
                if next.end >= horizon, !last { continue }
                verdict.nextOpening = next.start
                verdict.nextWindow = next.window
                if next.end < horizon {
                    verdict.nextClosesAt = next.end
                }
                return verdict
            }
        }
        return verdict
    }

    // MARK: - Rules

    /// True when a window with `recurrence` opens on `date`.
    static func opens(_ recurrence: MaintenanceWindow.Recurrence, on date: CalendarDate) -> Bool {
        switch recurrence {
        case .daily: true
        case .weekdays(let days): days.contains(date.weekday)
        case .monthly(let nth): nth.date(year: date.year, month: date.month) == date
        }
    }

    /// True when a whole-day blackout covers `date`.
    static func coversWholeDay(_ kind: Blackout.Kind, _ date: CalendarDate) -> Bool {
        switch kind {
        case .monthEnd(let days):
            return date.day > date.daysInMonth - days
        case .yearly(let from, let to):
            let day = MonthDay(month: date.month, day: date.day)!
            // 02-29 as an end in a common year ends on 02-28: a day after 02-28 is never inside then.
            let inside = from <= to ? (from <= day && day <= to) : (from <= day || day <= to)
            return inside
        case .dates(let from, let to):
            return from <= date && date <= to
        case .daily, .weekly:
            return false
        }
    }

    /// The occurrence of a time range that starts on `date`.
    private static func span(_ blackout: Blackout, _ range: TimeRange, on date: CalendarDate, _ rules: ZoneRules)
        -> CalendarSpan
    {
        let endDate = range.crossesMidnight || range.end.isEndOfDay ? date.adding(days: 1) : date
        return CalendarSpan(
            kind: .blackout, name: blackout.name, start: rules.instant(date, range.start),
            end: rules.instant(endDate, range.end.isEndOfDay ? .startOfDay : range.end), timeZone: blackout.timeZone)
    }

    /// The local dates whose occurrences could overlap `[from, to)`: one day before (rules crossing midnight)
    /// to one day after.
    static func dates(from: Date, to: Date, in rules: ZoneRules) -> [CalendarDate] {
        let first = rules.date(at: from).adding(days: -1)
        let last = rules.date(at: to).adding(days: 1)
        return (0...(last.daysSinceEpoch - first.daysSinceEpoch)).map { first.adding(days: $0) }
    }

    /// Overlapping or touching spans joined; the joined span keeps the first one's name.
    static func merged(_ spans: [CalendarSpan]) -> [CalendarSpan] {
        chains(spans).map { group in
            var span = group[0]
            span.end = group.map(\.end).max()!
            return span
        }
    }

    /// Spans (sorted by start) grouped into runs that overlap or touch.
    static func chains(_ spans: [CalendarSpan]) -> [[CalendarSpan]] {
        var groups: [[CalendarSpan]] = []
        var end = Date.distantPast
        for span in spans {
            if !groups.isEmpty, span.start <= end {
                groups[groups.count - 1].append(span)
                end = max(end, span.end)
            } else {
                groups.append([span])
                end = span.end
            }
        }
        return groups
    }
}
