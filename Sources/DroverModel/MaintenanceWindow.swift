/// A recurring span of time in which work may happen, such as Sundays 02:00–06:00 UTC.
///
/// The times are wall-clock times in `timeZone`. A window whose `end` is not after its `start` crosses midnight:
/// it ends on the next day and belongs to the day it starts. Invariant (kept by the loader): `start != end`,
/// `start` is never `24:00`, and `timeZone` names a zone in the system's tz database.
public struct MaintenanceWindow: Sendable, Hashable, Codable {
    /// Which days the window opens on.
    public enum Recurrence: Sendable, Hashable, Codable {
        /// Every day (`days: daily`).
        case daily
        /// On each of these weekdays (`days: [sun, wed]`); never empty.
        case weekdays(Set<Weekday>)
        /// Once a month, on a weekday's place in it (`nth: 4th sun`).
        case monthly(NthWeekday)
    }

    /// The name people see in refusals and notices ("Primary").
    public var name: String
    public var recurrence: Recurrence
    public var start: WallClockTime
    public var end: WallClockTime
    /// The IANA zone the times are read in: the rule's own `timezone`, else the policy's.
    public var timeZone: String

    public init(name: String, recurrence: Recurrence, start: WallClockTime, end: WallClockTime, timeZone: String) {
        self.name = name
        self.recurrence = recurrence
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    /// Start and end as a range of the day.
    public var hours: TimeRange { TimeRange(start: start, end: end) }

    /// True when the window ends on the day after it opens.
    public var crossesMidnight: Bool { hours.crossesMidnight }
}
