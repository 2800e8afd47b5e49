/// A weekday's place in a month, such as the 4th Sunday or the last Friday (`nth: 4th sun`).
public struct NthWeekday: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Which occurrence in the month. There is no 5th: not every month has one.
    public enum Ordinal: String, Sendable, Hashable, Codable, CaseIterable {
        case first = "1st"
        case second = "2nd"
        case third = "3rd"
        case fourth = "4th"
        case last
    }

    public var ordinal: Ordinal
    public var weekday: Weekday

    public init(_ ordinal: Ordinal, _ weekday: Weekday) {
        self.ordinal = ordinal
        self.weekday = weekday
    }

    /// The day of `month` in `year` this names (every month has a 1st…4th and a last of each weekday).
    /// - Precondition: `year`-`month` is a valid month in 1...9999.
    public func date(year: Int, month: Int) -> CalendarDate {
        if ordinal == .last {
            let lastDay = CalendarDate(year: year, month: month, day: CalendarDate.daysInMonth(year: year, month: month))!
            let back = (lastDay.weekday.rawValue - weekday.rawValue + 7) % 7
            return lastDay.adding(days: -back)
        }
        let firstDay = CalendarDate(year: year, month: month, day: 1)!
        let ahead = (weekday.rawValue - firstDay.weekday.rawValue + 7) % 7
        let index = Ordinal.allCases.firstIndex(of: ordinal)!
        return firstDay.adding(days: ahead + 7 * index)
    }

    /// `4th sun`, as written in policy files.
    public var description: String { "\(ordinal.rawValue) \(weekday.shortName)" }
}
