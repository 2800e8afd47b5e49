/// A time of day as read on a wall clock in some zone, to the minute: `02:00`, `23:30`, and `24:00` (the end of a day).
///
/// Invariant: `0 <= hour <= 24`, `0 <= minute <= 59`, and `hour == 24` only with `minute == 0`.
/// It names no date and no zone; a rule pairs it with both when a window is computed.
public struct WallClockTime: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    /// Midnight at the start of a day.
    public static let startOfDay = WallClockTime(checkedHour: 0, minute: 0)
    /// Midnight at the end of a day (`24:00`), valid only as the end of a range.
    public static let endOfDay = WallClockTime(checkedHour: 24, minute: 0)

    /// A time, or nil when the invariant would not hold (`25:00`, `12:60`, `24:30`).
    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour) && (0...59).contains(minute) || (hour == 24 && minute == 0) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    private init(checkedHour hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Minutes since the start of the day: 0 for `00:00`, 1440 for `24:00`.
    public var minutesSinceMidnight: Int { hour * 60 + minute }

    /// True for `24:00`.
    public var isEndOfDay: Bool { hour == 24 }

    /// `HH:MM`.
    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public static func < (lhs: WallClockTime, rhs: WallClockTime) -> Bool {
        lhs.minutesSinceMidnight < rhs.minutesSinceMidnight
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let hour = try container.decode(Int.self, forKey: .hour)
        let minute = try container.decode(Int.self, forKey: .minute)
        guard let time = WallClockTime(hour: hour, minute: minute) else {
            throw DecodingError.dataCorruptedError(
                forKey: .hour, in: container, debugDescription: "not a wall-clock time: \(hour):\(minute)")
        }
        self = time
    }

    private enum CodingKeys: String, CodingKey {
        case hour, minute
    }
}
