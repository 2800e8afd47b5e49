import ArgumentParser
import DroverJournal
import Foundation

/// `drover unlock HOST... [--force]`: breaks machine leases, recording who did it in the holder's log.
struct UnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Break the leases on machines, by inventory name or machine key (recorded in the holder's log).",
        discussion: """
            HOST is an inventory name a lease records (host005, web1) or a machine key (127.0.1.5:22). A lease whose
            holder is provably gone (its controller ran on this machine and its process no longer exists) or has
            lapsed is broken at once. A holder that may still be working (its process exists here, or it runs on
            another machine and its lease has not expired) keeps its lease unless --force is given: breaking it lets
            another run change the machine at the same time, and the holder stops starting steps there.
            Exit status: 0 every named lease was broken (or there was none), 4 refused: a holder may still be
            working and --force was not given (nothing was broken), 1 the journal could not be read or written.
            """)

    @Argument(help: "Inventory names or machine keys (address:port).")
    var hosts: [String]

    @Flag(help: "Break leases whose holder may still be working.")
    var force = false

    @OptionGroup var journalOptions: JournalOptions

    func validate() throws {
        guard !hosts.isEmpty else { throw ValidationError("name at least one host") }
    }

    func run() async throws {
        let journal = try await journalOptions.open()
        let (leases, now) = try await journalCall { (try await journal.leases(), try await journal.now()) }
        var chosen: [Lease] = []
        var refusals: [String] = []
        for host in hosts {
            let matching = leases.filter { $0.broken == nil && ($0.machine == host || $0.names.contains(host)) }
            if matching.isEmpty { print("\(host): not leased") }
            for lease in matching where !chosen.contains(lease) {
                chosen.append(lease)
                if !force, let refusal = Self.refusal(lease, now: now) { refusals.append(refusal) }
            }
        }
        guard refusals.isEmpty else {
            for refusal in refusals { Terminal.error("REFUSED (exit 4): \(refusal)") }
            throw ExitCode(4)
        }
        guard !chosen.isEmpty else { return }
        let broken = try await journalCall { try await journal.breakLeases(chosen, by: JournalOptions.operatorName) }
        for lease in broken {
            let state: String
            switch JournalOptions.liveness(lease, now: now) {
            case .dead: state = "its controller is gone"
            case .lapsed: state = "it had lapsed"
            case .alive, .unknown: state = lease.isHeld(at: now) ? "it was live (--force)" : "it had lapsed"
            }
            print("\(lease.label): broke the lease of \(lease.holder): \(state)")
        }
        // Taken or released between our read and the break: nothing of theirs was touched.
        for lease in chosen where !broken.contains(where: { $0.machine == lease.machine }) {
            print("\(lease.label): the lease changed hands meanwhile; not broken (run drover unlock again to see it)")
        }
    }

    /// Why breaking `lease` needs `--force`, or nil when its holder is gone or its lease lapsed.
    static func refusal(_ lease: Lease, now: Date) -> String? {
        let holder = lease.holder
        let run = holder.run
        let host = lease.names.first ?? lease.machine
        let effect =
            "breaking its lease lets another run change \(host) at the same time; \(run) would stop starting steps "
            + "there. Add --force to break it anyway."
        switch JournalOptions.liveness(lease, now: now) {
        case .dead, .lapsed:
            return nil
        case .alive where !lease.isHeld(at: now):
            return "\(holder) has let its lease on \(lease.label) lapse (at \(EventChain.timestamp(lease.expiresAt))), "
                + "but a process \(holder.pid) still exists on this machine and may be it; " + effect
        case .alive:
            return "\(holder) is live and still working on \(lease.label); " + effect
        case .unknown:
            return "\(holder) may still be working on \(lease.label): \(holder.controller) is another machine and "
                + "the lease runs until \(EventChain.timestamp(lease.expiresAt)); " + effect
        }
    }
}
