/// Keeps a live run's leases from lapsing: renews them every `ttl / 3` until stopped, and reports each lease it
/// finds broken or lapsed, once. A controller that dies stops renewing, and its leases lapse `ttl` later by the
/// journal's clock.
///
/// A renewal that fails (the journal is unreachable) is tried again at the next tick: the leases lapse only if no
/// renewal gets through for a whole `ttl`, and the run's fencing check then refuses its next step there.
public final class LeaseKeeper: Sendable {
    /// How long a lease lasts without renewal (SPEC §9).
    public static let defaultTTL: Duration = .seconds(120)

    private let task: Task<Void, Never>

    /// Starts renewing after `ttl / 3`, then every `ttl / 3`.
    /// - Parameters:
    ///   - fence: the holder and its machines (by inventory name), as leased.
    ///   - clock: what the keeper waits on between renewals (tests pass a manual clock).
    ///   - onLost: called with the leases found lost since the last call (each machine once), with the holder's
    ///     names for them.
    public init<C: Clock>(
        journal: any Journal, fence: LeaseFence, ttl: Duration = LeaseKeeper.defaultTTL, clock: C = ContinuousClock(),
        onLost: @escaping @Sendable ([LeaseLoss]) async -> Void
    ) where C.Duration == Duration {
        let machines = Set(fence.machines.values).sorted()
        task = Task {
            var remaining = machines
            while !Task.isCancelled, !remaining.isEmpty {
                do {
                    try await clock.sleep(for: ttl / 3)
                } catch {
                    return
                }
                guard let renewal = try? await journal.renewLeases(fence.holder, machines: remaining, ttl: ttl),
                    !renewal.lost.isEmpty
                else { continue }
                let lost = renewal.lost.map { loss in
                    var named = loss
                    named.names = fence.machines.filter { $0.value == loss.machine }.map(\.key).sorted()
                    return named
                }
                remaining.removeAll { machine in lost.contains { $0.machine == machine } }
                await onLost(lost)
            }
        }
    }

    /// Stops renewing (the caller releases the leases) and waits for a renewal in flight to end.
    public func stop() async {
        task.cancel()
        await task.value
    }
}
