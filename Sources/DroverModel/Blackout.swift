/// A span of time in which no work may happen, even inside a window (unless an approved change type overrides
/// blackouts).
///
/// Times and dates are read in `timeZone`. Invariants (kept by the loader): time ranges have `start != end`;
/// `monthEnd` is 1...27; a `dates` range does not run backwards; `timeZone` names a zone in the tz database.
public struct Blackout: Sendable, Hashable, Codable {
    /// When the blackout applies.
    public enum Kind: Sendable, Hashable, Codable {
        /// Every day during these hours (`daily: "08:00-10:00"`).
        case daily(TimeRange)
        /// On these weekdays during these hours (`days: [fri], start: "14:00", end: "18:00"`). A range crossing
        /// midnight belongs to the day it starts.
        case weekly(Set<Weekday>, TimeRange)
        /// The last N calendar days of every month, all day (`month_end_days: 3`).
        case monthEnd(days: Int)
        /// Every year from one day to another, both whole days included; wraps the year end when `to` is before
        /// `from` (`yearly: "12-28..01-05"`).
        case yearly(from: MonthDay, to: MonthDay)
        /// From one date to another, both whole days included (`dates: "2026-03-19..2026-03-23"`, or one date).
        case dates(from: CalendarDate, to: CalendarDate)
    }

    /// The name people see in refusals ("Year-end freeze").
    public var name: String
    public var kind: Kind
    /// The IANA zone the rule is read in: its own `timezone`, else the policy's.
    public var timeZone: String

    public init(name: String, kind: Kind, timeZone: String) {
        self.name = name
        self.kind = kind
        self.timeZone = timeZone
    }
}
