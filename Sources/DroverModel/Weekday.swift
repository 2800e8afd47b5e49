/// A day of the week, written `mon`…`sun` in policy files.
///
/// Raw values are the ISO 8601 numbers (Monday 1 … Sunday 7), so days order as a European week does.
public enum Weekday: Int, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case monday = 1
    case tuesday
    case wednesday
    case thursday
    case friday
    case saturday
    case sunday

    /// The short name used in policy files: `mon`, `tue`, … `sun`.
    public var shortName: String {
        switch self {
        case .monday: "mon"
        case .tuesday: "tue"
        case .wednesday: "wed"
        case .thursday: "thu"
        case .friday: "fri"
        case .saturday: "sat"
        case .sunday: "sun"
        }
    }

    /// The day for a short name (`mon`…`sun`, lower case exactly as policy files write it); nil otherwise.
    public init?(shortName: String) {
        guard let day = Self.allCases.first(where: { $0.shortName == shortName }) else { return nil }
        self = day
    }

    public var description: String { shortName }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}
