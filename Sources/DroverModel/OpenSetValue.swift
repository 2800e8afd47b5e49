/// A value of a set a newer Drover may extend (a decision's action and rule, an operator's choice): kept and encoded
/// as its raw string, and decoded whatever the string, so an older Drover reading a newer journal can say what it
/// found (`isKnown` is false) instead of failing to read the event.
public protocol OpenSetValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// As stored in the journal and printed in JSON.
    var rawValue: String { get }
    init(rawValue: String)
    /// False for a value written by a newer Drover.
    var isKnown: Bool { get }
}

extension OpenSetValue {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}
