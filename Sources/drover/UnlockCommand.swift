import ArgumentParser
import DroverJournal
import Foundation

/// `drover unlock HOST...`: breaks host leases (a dead controller's), recording who did it in the holder's log.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Break the host leases of a run whose controller is gone (recorded in that run's journal).")

    @Argument(help: "Host names.")
    var hosts: [String]

    @OptionGroup var journalOptions: JournalOptions

    func validate() throws {
        guard !hosts.isEmpty else { throw ValidationError("name at least one host") }
    }

    func run() throws {
        let journal = try journalOptions.open()
        let broken = try journalCall { try journal.breakLocks(hosts: hosts, by: JournalOptions.operatorName) }
        let brokenHosts = Set(broken.map(\.host))
        for lock in broken {
            let state = lock.isExpired(at: Date()) ? "expired" : "live"
            print("\(lock.host): broke the \(state) lease of run \(lock.run) (\(lock.operator), pid \(lock.pid) on \(lock.controller))")
        }
        for host in hosts where !brokenHosts.contains(host) { print("\(host): not locked") }
    }
}
