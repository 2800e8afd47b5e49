import DroverJournal
import Foundation

/// The sentences of a run refused because another run holds some of its machines: each machine with the names on
/// both sides, the holder (run, operator, controller, pid) and what the operator can do, depending on whether the
/// holder still works.
struct LeaseRefusal: Sendable {
    var reason: String
    /// One line per holder: is it gone, and what to do.
    var advice: [String]

    /// - Parameter liveness: judges a lease's holder at the journal's time.
    init(conflicts: [LeaseConflict], liveness: (Lease) -> HolderLiveness) {
        let holders = Dictionary(grouping: conflicts, by: \.held.holder).sorted { $0.key.run < $1.key.run }
        let text = holders.map { holder, conflicts in
            let machines = conflicts.map { conflict in
                let theirs = conflict.held.names.filter { !conflict.wanted.names.contains($0) }
                let also = theirs.isEmpty ? "" : ", also called \(theirs.joined(separator: ", ")) by run \(holder.run)"
                return "\(conflict.wanted.names.joined(separator: ", ")) (\(conflict.wanted.machine)\(also))"
            }
            let until = conflicts.map(\.held.expiresAt).max().map(EventChain.timestamp) ?? "?"
            return "\(machines.joined(separator: "; ")) locked by \(holder) until \(until)"
        }
        reason = "host locked: " + text.joined(separator: "; ")
        advice = holders.map { holder, conflicts in
            let hosts = conflicts.flatMap(\.held.names).joined(separator: " ")
            switch liveness(conflicts[0].held) {
            case .dead:
                return "run \(holder.run)'s controller (pid \(holder.pid) on this machine) is gone: continue that run "
                    + "with drover resume \(holder.run), or free its hosts with drover unlock \(hosts) (no --force "
                    + "needed)"
            case .lapsed:
                return "run \(holder.run)'s leases have lapsed (its controller on \(holder.controller) stopped "
                    + "renewing them): continue it with drover resume \(holder.run), or drover unlock \(hosts)"
            case .alive:
                return "run \(holder.run) is still working on this machine (pid \(holder.pid)); wait for it, or stop "
                    + "it first"
            case .unknown:
                return "if run \(holder.run)'s controller on \(holder.controller) is gone, its leases lapse by "
                    + "\(EventChain.timestamp(conflicts[0].held.expiresAt)) unless renewed; or: drover unlock \(hosts) "
                    + "--force"
            }
        }
    }
}
