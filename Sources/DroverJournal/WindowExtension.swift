public import Foundation

/// A running run's window end moved later (`drover extend`): journaled in the run's chain, read by its controller's
/// window-fit gate and told as the `extended` notice.
public struct WindowExtension: Sendable, Hashable, Codable {
    /// The end before (the policy's, or the previous extension's).
    public var from: Date
    /// The new end.
    public var to: Date
    /// Why, in the words of whoever extended it.
    public var reason: String
    /// Who approved it, when someone did (needed to extend into a blackout as an emergency).
    public var approvedBy: String?
    /// The blackout it runs into, when an approved emergency overrides one.
    public var overridesBlackout: String?

    public init(from: Date, to: Date, reason: String, approvedBy: String? = nil, overridesBlackout: String? = nil) {
        self.from = from
        self.to = to
        self.reason = reason
        self.approvedBy = approvedBy
        self.overridesBlackout = overridesBlackout
    }

    /// The latest extension among `events` (a run's chain, or the part read since the last look), if any.
    public static func latest(in events: [JournalEvent]) -> (window: WindowExtension, sequence: Int)? {
        for event in events.reversed() where event.kind == JournalNote.Kind.windowExtended.rawValue {
            if case .note(let note)? = try? event.entry(), let window = note.window { return (window, event.sequence) }
        }
        return nil
    }
}
