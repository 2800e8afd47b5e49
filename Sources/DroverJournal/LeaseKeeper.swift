public import Foundation

/// Keeps a live run's host leases from expiring: renews them every `interval` until stopped. A controller that dies
/// stops renewing, and its leases lapse `ttl` later.
public final class LeaseKeeper: Sendable {
    /// How long a lease lasts without renewal.
    public static let defaultTTL: Duration = .seconds(60)

    private let task: Task<Void, Never>

    /// Starts renewing at once, then every `ttl / 3`.
    public init(
        journal: any Journal, run: String, ttl: Duration = LeaseKeeper.defaultTTL,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        task = Task.detached {
            let seconds = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
            while !Task.isCancelled {
                try? journal.renewLocks(run: run, until: now().addingTimeInterval(seconds))
                try? await Task.sleep(for: ttl / 3)
            }
        }
    }

    /// Stops renewing (the caller releases the leases).
    public func stop() {
        task.cancel()
    }

    /// When a lease taken now expires.
    public static func expiry(from now: Date = Date(), ttl: Duration = defaultTTL) -> Date {
        now.addingTimeInterval(Double(ttl.components.seconds))
    }
}
