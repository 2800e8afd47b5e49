public import Foundation

/// Whether a lease's holder is still working, as far as this controller can tell (pure: the caller says which
/// machine it is on and whether a process exists).
///
/// Used by `drover unlock` (breaking a live holder's lease needs `--force`), by a run's refusal (a provably dead
/// holder is named as such) and by `drover resume` (which takes over its run's leases only from a dead holder).
public enum HolderLiveness: String, Sendable, Hashable {
    /// Same machine as us, and its process exists.
    case alive
    /// Same machine as us, and its process is gone.
    case dead
    /// Another machine, and the lease has expired by the journal's clock.
    case lapsed
    /// Another machine, not yet expired: it may be working.
    case unknown

    /// Judges `lease`'s holder.
    /// - Parameters:
    ///   - now: the journal's clock.
    ///   - thisMachine: the host name this controller runs on.
    ///   - processExists: whether a process with that id exists on this machine.
    public static func judge(
        _ lease: Lease, now: Date, thisMachine: String, processExists: (Int32) -> Bool
    ) -> HolderLiveness {
        if lease.holder.controller == thisMachine { return processExists(lease.holder.pid) ? .alive : .dead }
        return lease.expiresAt <= now ? .lapsed : .unknown
    }

    /// True when the holder may still be working: breaking its lease needs `--force`.
    public var mayBeWorking: Bool { self == .alive || self == .unknown }
}
