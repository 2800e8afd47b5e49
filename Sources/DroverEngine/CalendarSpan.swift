public import Foundation

/// One occurrence of a window or a blackout: the instants from `start` (included) to `end` (excluded).
public struct CalendarSpan: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case window
        case blackout
    }

    public var kind: Kind
    /// The rule's name ("Primary", "Year-end freeze").
    public var name: String
    public var start: Date
    public var end: Date
    /// The zone the rule is written in.
    public var timeZone: String

    public init(kind: Kind, name: String, start: Date, end: Date, timeZone: String) {
        self.kind = kind
        self.name = name
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    /// True when `instant` is inside.
    public func contains(_ instant: Date) -> Bool { start <= instant && instant < end }

    /// True when the span shares some instant with `[from, to)`.
    public func overlaps(from: Date, to: Date) -> Bool { start < to && from < end }
}

/// A span in which work is allowed: inside a window (or any time, for an environment without windows) and outside
/// every blackout.
public struct OpenSpan: Sendable, Hashable {
    /// Why an open span ends.
    public enum Closing: Sendable, Hashable {
        /// The window ends.
        case windowEnds(String)
        /// A blackout begins.
        case blackoutBegins(String)
    }

    public var start: Date
    public var end: Date
    /// The window it is in; nil when the environment has no windows.
    public var window: String?
    public var closing: Closing

    public init(start: Date, end: Date, window: String?, closing: Closing) {
        self.start = start
        self.end = end
        self.window = window
        self.closing = closing
    }

    /// The rule that ends the span.
    public var closingRule: String {
        switch closing {
        case .windowEnds(let name), .blackoutBegins(let name): name
        }
    }

    /// `window 'Primary' ends` or `blackout 'Month-end close' begins`.
    public var closingText: String {
        switch closing {
        case .windowEnds(let name): "window '\(name)' ends"
        case .blackoutBegins(let name): "blackout '\(name)' begins"
        }
    }
}
