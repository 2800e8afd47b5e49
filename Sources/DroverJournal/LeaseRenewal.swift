/// What a renewal found: the leases still held (now extended) and the ones lost since.
public struct LeaseRenewal: Sendable, Hashable {
    public var held: [Lease]
    public var lost: [LeaseLoss]

    public init(held: [Lease], lost: [LeaseLoss]) {
        self.held = held
        self.lost = lost
    }
}

/// A machine whose lease its holder no longer has, and why in a sentence (who broke it and when, that it lapsed, or
/// who holds it now).
public struct LeaseLoss: Sendable, Hashable {
    public var machine: String
    /// The holder's names for the machine.
    public var names: [String]
    public var reason: String

    public init(machine: String, names: [String], reason: String) {
        self.machine = machine
        self.names = names
        self.reason = reason
    }
}
