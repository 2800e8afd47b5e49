/// A day of the year with no year: `12-28`, written `MM-DD` in yearly blackouts.
///
/// Invariant: `month` is 1...12 and `day` exists in that month in a leap year (so `02-29` is accepted; in other
/// years it never occurs, and a calculation treats a range ending on it as ending on `02-28`).
public struct MonthDay: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let month: Int
    public let day: Int

    /// A month and day, or nil when no year has it (`02-30`, `13-01`).
    public init?(month: Int, day: Int) {
        guard (1...12).contains(month), (1...CalendarDate.daysInMonth(year: 2000, month: month)).contains(day) else {
            return nil
        }
        self.month = month
        self.day = day
    }

    /// This day in `year`, or nil for `02-29` in a common year.
    public func date(in year: Int) -> CalendarDate? {
        CalendarDate(year: year, month: month, day: day)
    }

    /// `MM-DD`.
    public var description: String { CalendarDate.twoDigits(month) + "-" + CalendarDate.twoDigits(day) }

    public static func < (lhs: MonthDay, rhs: MonthDay) -> Bool { (lhs.month, lhs.day) < (rhs.month, rhs.day) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let month = try container.decode(Int.self, forKey: .month)
        let day = try container.decode(Int.self, forKey: .day)
        guard let value = MonthDay(month: month, day: day) else {
            throw DecodingError.dataCorruptedError(
                forKey: .day, in: container, debugDescription: "no such day of the year: \(month)-\(day)")
        }
        self = value
    }

    private enum CodingKeys: String, CodingKey {
        case month, day
    }
}
