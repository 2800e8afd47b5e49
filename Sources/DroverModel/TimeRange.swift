/// A span of wall-clock time within a day, such as `08:00-10:00`.
///
/// When `end` is not after `start` the range crosses midnight: it ends on the next day and belongs to the day it
/// starts (`23:30`–`01:30`). Invariant (kept by the loader): `start != end` and `start` is never `24:00`.
public struct TimeRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: WallClockTime
    public var end: WallClockTime

    public init(start: WallClockTime, end: WallClockTime) {
        self.start = start
        self.end = end
    }

    /// True when the range ends on the day after it starts.
    public var crossesMidnight: Bool { end <= start }

    /// The length in minutes (1...1440).
    public var minutes: Int {
        let length = end.minutesSinceMidnight - start.minutesSinceMidnight
        return length > 0 ? length : length + 24 * 60
    }

    /// `HH:MM-HH:MM`.
    public var description: String { "\(start)-\(end)" }
}
