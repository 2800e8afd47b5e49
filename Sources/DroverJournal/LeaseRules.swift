public import Foundation

/// The lease rules every backend applies inside its transaction, judged at the journal's own clock (pure).
public enum LeaseRules {
    /// What a request may do with one machine.
    public enum Verdict: Sendable, Hashable {
        /// Free, lapsed, broken, ours already, or ours to take over: write the request's lease.
        case grant
        /// Another holder has it.
        case conflict(Lease)
    }

    /// Judges one machine of `request` against the lease on record for it (nil: none).
    public static func acquire(_ existing: Lease?, for request: LeaseRequest, now: Date) -> Verdict {
        guard let existing, existing.isHeld(at: now) else { return .grant }
        if existing.holder.isSameHolder(as: request.holder) { return .grant }
        if let dead = request.takeOverFrom, existing.holder.run == request.holder.run,
            existing.holder.isSameHolder(as: dead)
        {
            return .grant
        }
        return .conflict(existing)
    }

    /// Nil while `holder` still holds `machine` at `now`; else why not, in a sentence.
    /// - Parameters:
    ///   - current: the lease on record for the machine (nil: none).
    ///   - names: the holder's names for the machine.
    public static func loss(
        of machine: String, names: [String], current: Lease?, holder: LeaseHolder, now: Date
    ) -> LeaseLoss? {
        let label = Lease.label(machine: machine, names: names)
        let reason: String
        if let current, current.holder.isSameHolder(as: holder) {
            if let broken = current.broken {
                reason =
                    "\(broken.by) broke the lease on \(label) at \(EventChain.timestamp(broken.at)) (drover unlock)"
            } else if current.expiresAt <= now {
                let lapsed = EventChain.timestamp(current.expiresAt)
                reason = "the lease on \(label) lapsed at \(lapsed): it was not renewed in time"
            } else {
                return nil
            }
        } else if let current, current.isHeld(at: now) {
            reason =
                "the lease on \(label) is held by \(current.holder) since \(EventChain.timestamp(current.acquiredAt))"
        } else {
            reason = "the lease on \(label) is no longer held (released, or broken and taken)"
        }
        return LeaseLoss(machine: machine, names: names, reason: reason)
    }

    /// When a lease taken or renewed at `now` lapses.
    public static func expiry(now: Date, ttl: Duration) -> Date {
        now.addingTimeInterval(Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18)
    }

    /// The fencing check of an append: for each entry the fence covers (a `step_started` on a leased machine), the
    /// loss when the holder no longer holds that machine. Empty: the append may be written.
    /// - Parameter lease: the lease on record for a machine key.
    public static func fence(
        _ entries: [JournalEntry], with fence: LeaseFence, now: Date, lease: (String) throws -> Lease?
    ) rethrows -> [LeaseLoss] {
        var seen: Set<String> = []
        var losses: [LeaseLoss] = []
        for entry in entries {
            guard let name = fence.fencedName(of: entry), let machine = fence.machines[name],
                seen.insert(machine).inserted
            else { continue }
            let names = fence.machines.filter { $0.value == machine }.map(\.key).sorted()
            if let loss = loss(of: machine, names: names, current: try lease(machine), holder: fence.holder, now: now) {
                losses.append(loss)
            }
        }
        return losses
    }

    /// The `leaseLost` error for `losses`: nothing of the append was written.
    public static func error(_ losses: [LeaseLoss], run: String) -> JournalError {
        let machines = losses.map { Lease.label(machine: $0.machine, names: $0.names) }
        return JournalError(
            .leaseLost,
            "run \(run) no longer holds the lease on \(machines.joined(separator: "; ")): "
                + losses.map(\.reason).joined(separator: "; "),
            losses: losses)
    }
}
