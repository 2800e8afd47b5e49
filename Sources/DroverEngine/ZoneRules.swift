public import DroverModel
public import Foundation

/// Wall-clock arithmetic in one IANA zone: which day an instant falls on there, and which instant a date and a
/// wall-clock time name, with daylight-saving transitions resolved as SPEC section 5 says.
///
/// - A wall-clock time that does not exist that day (it falls in a spring-forward gap) names the first time that
///   does: the instant of the transition (`02:30` on a day clocks jump from 02:00 to 03:00 is 03:00).
/// - A wall-clock time that occurs twice (a fall-back overlap) names its **first** occurrence, the earlier instant.
///   For a window that means it opens at the first 01:30 and, if it ends at 01:30, ends at the first one too.
public struct ZoneRules: Sendable {
    /// The zone's IANA name.
    public let identifier: String
    private let zone: TimeZone

    /// The rules of `identifier`; nil when the tz database has no such zone.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    /// UTC's rules.
    public static let utc = ZoneRules(identifier: "UTC")!

    /// Seconds east of UTC at `instant`.
    public func offset(at instant: Date) -> Int { zone.secondsFromGMT(for: instant) }

    /// The local date and minute of the day (0..<1440) at `instant`.
    public func wallClock(at instant: Date) -> (date: CalendarDate, minutes: Int) {
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + offset(at: instant)
        let days = Self.floorDivide(local, 86_400)
        return (CalendarDate(daysSinceEpoch: days), (local - days * 86_400) / 60)
    }

    /// The local date at `instant`.
    public func date(at instant: Date) -> CalendarDate { wallClock(at: instant).date }

    /// The instant at which the wall clock reads `time` on `date` (`24:00` is the next day's `00:00`); gaps and
    /// overlaps are resolved as the type's documentation says.
    public func instant(_ date: CalendarDate, _ time: WallClockTime) -> Date {
        let local = date.daysSinceEpoch * 86_400 + time.minutesSinceMidnight * 60
        let offsets = Set([-86_400, 0, 86_400].map { offset(at: Date(timeIntervalSince1970: Double(local + $0))) })
        let valid = offsets.map { local - $0 }.filter { local - offset(at: Date(timeIntervalSince1970: Double($0))) == $0 }
        if let first = valid.min() { return Date(timeIntervalSince1970: Double(first)) }
        // In a gap: the first instant whose wall clock reads at least `local` (wall time is increasing there).
        var low = local - offsets.max()!
        var high = local - offsets.min()!
        while low < high {
            let middle = Self.floorDivide(low + high, 2)
            if middle + offset(at: Date(timeIntervalSince1970: Double(middle))) >= local {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return Date(timeIntervalSince1970: Double(low))
    }

    /// `Sun 2026-11-22 02:00`, read on this zone's wall clock.
    public func describe(_ instant: Date) -> String {
        let (date, minutes) = wallClock(at: instant)
        let time = WallClockTime(hour: minutes / 60, minute: minutes % 60)!
        return "\(date.weekday.shortName.capitalized) \(date) \(time)"
    }

    static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
