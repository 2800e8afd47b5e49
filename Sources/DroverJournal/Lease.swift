public import Foundation

/// A run's lease on one machine: while it is held, no other holder may start work there.
///
/// A lease is on a machine key (`ConnectionSettings.machineKey`, `127.0.1.5:22`), whatever the inventory calls the
/// machine; it records the inventory names its run uses for it, so a refusal can name both sides.
public struct Lease: Sendable, Hashable, Codable {
    /// Who broke a lease, and when (by the journal's clock).
    public struct Break: Sendable, Hashable, Codable {
        public var by: String
        public var at: Date

        public init(by: String, at: Date) {
            self.by = by
            self.at = at
        }
    }

    /// The machine key.
    public var machine: String
    /// The inventory names the holder's run uses for the machine, sorted.
    public var names: [String]
    public var holder: LeaseHolder
    /// When it was taken, by the journal's clock.
    public var acquiredAt: Date
    /// When it lapses unless renewed, by the journal's clock.
    public var expiresAt: Date
    /// Set once `drover unlock` broke it: a broken lease is not held, and stays on record (for the holder's fencing
    /// check to say who broke it) until it is taken again or released.
    public var broken: Break?

    public init(
        machine: String, names: [String], holder: LeaseHolder, acquiredAt: Date, expiresAt: Date, broken: Break? = nil
    ) {
        self.machine = machine
        self.names = names
        self.holder = holder
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
        self.broken = broken
    }

    /// True while nobody broke it and it has not lapsed at `now` (the journal's clock).
    public func isHeld(at now: Date) -> Bool { broken == nil && expiresAt > now }

    /// `host005 (127.0.1.5:22)`, or `web1, host001 (127.0.1.1:22)`, or the bare key when no name is recorded.
    public var label: String { Self.label(machine: machine, names: names) }

    /// A machine as a person reads it: its names, then its key.
    public static func label(machine: String, names: [String]) -> String {
        names.isEmpty ? machine : "\(names.joined(separator: ", ")) (\(machine))"
    }
}
