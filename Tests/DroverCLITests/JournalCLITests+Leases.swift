import DroverJournal
import DroverTestSupport
import Foundation
import GRDB
import Testing

/// Leases as a user meets them over the real testbed: one machine under two names, `unlock` of a live and of a
/// dead holder, two resumes of one run at once.
extension JournalCLITests {
    /// An inventory that calls testbed machines by other names (`web5` is host005's machine).
    private func aliasInventory(in directory: String, _ aliases: [(String, Int)]) throws -> String {
        let path = directory + "/aliases.ini"
        try
            (["[web]"] + aliases.map { "\($0.0) ansible_host=\(Testbed.address($0.1))" } + [
                "[all:vars]", "ansible_user=root", "ansible_ssh_private_key_file=\(Testbed.clientKeyPath)",
                "ansible_ssh_common_args='-o UserKnownHostsFile=\(Testbed.knownHostsPath)'",
                "drover_environment=testbed",
            ]).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts a run on `limit` that waits in batch 2's `slow` step until released, and returns once that step has
    /// started on `waitingOn` (its leases are then held and renewed).
    private func startHeldRun(_ playbook: String, limit: String, journal: String, waitingOn hosts: Set<String>)
        throws -> RunningProcess
    {
        let controller = try RunningProcess(
            binary,
            [
                "run", playbook, "-i", Testbed.inventoryPath, "--limit", limit, "--journal", journal, "--yes",
                "--output", "json", "--connect-timeout", "30s",
            ], environment: ["USER": "ci-operator"])
        var waiting = hosts
        while !waiting.isEmpty {
            let started = controller.waitForLine { line in
                line.contains("\"event\":\"step_started\"") && line.contains("\"batch\":2")
                    && line.contains("\"name\":\"slow\"")
            }
            guard let started else {
                Issue.record("the run ended first: \(controller.lines.joined(separator: "\n"))")
                break
            }
            waiting = waiting.filter { !started.contains("\"host\":\"\($0)\"") }
        }
        return controller
    }

    @Test func aMachineUnderTwoNamesIsRefusedNamingBothAndAnUnlockOfALiveRunNeedsForce() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let first = try startHeldRun(
            playbook, limit: "host00[5-8]", journal: journal, waitingOn: ["host007", "host008"])
        let id = try #require(try await runIDs(journal).first)

        // The same machine as host007, called web7 by another inventory: refused, naming both names.
        let aliases = try aliasInventory(in: directory, [("web7", 7), ("web99", 99)])
        let other = try await drover(["run", playbook, "-i", aliases, "--journal", journal, "--yes"])
        #expect(other.status == 4, "\(other.stdout)\(other.stderr)")
        #expect(
            other.stderr.contains(
                "web7 (127.0.1.7:22, also called host007 by run \(id)) locked by run \(id) of ci-operator"),
            "\(other.stderr)")
        #expect(other.stderr.contains("if run \(id)'s controller is gone"), "\(other.stderr)")

        // Its controller is alive: unlock without --force refuses, saying what it would break, and breaks nothing.
        let refused = try await drover(["unlock", "web7", "127.0.1.7:22", "--journal", journal])
        #expect(refused.status == 4, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "run \(id) of ci-operator (pid \(first.pid) on \(ProcessInfo.processInfo.hostName)) is live and still "
                    + "working on host007 (127.0.1.7:22); breaking its lease lets another run change host007 at the "
                    + "same time; \(id) would stop starting steps there. Add --force to break it anyway."),
            "\(refused.stderr)")
        #expect(refused.stdout.contains("web7: not leased"))

        // With --force it is broken, and the run's own log says who did it.
        let forced = try await drover(["unlock", "host007", "--force", "--journal", journal])
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(
            forced.stdout.contains("host007 (127.0.1.7:22): broke the lease of run \(id) of ci-operator"),
            "\(forced.stdout)")
        #expect(forced.stdout.contains("it was live (--force)"))
        // The machine is free for the other run now; host008 is still the first run's.
        let free = try await drover(["unlock", "host007", "--journal", journal])
        #expect(free.stdout.contains("host007: not leased"))

        try await release("host00[7-8]", remote)
        _ = first.wait()
        let log = try await drover(["log", id, "--journal", journal])
        #expect(log.stdout.contains("ci-operator broke the lease of run \(id)"), "\(log.stdout)")
        #expect(try await drover(["verify", id, "--journal", journal]).status == 0)
        // Fencing: from the break on, the journal took no step_started for host007 (while host008's went on).
        let database = try DatabaseQueue(path: journal)
        let after = try await database.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT payload FROM events WHERE run_id = ? AND kind = 'step_started' AND seq > (
                        SELECT seq FROM events WHERE run_id = ? AND kind = 'lock_broken')
                    """, arguments: [id, id])
        }
        #expect(after.contains { $0.contains("\"host\":\"host008\"") }, "\(after)")
        #expect(!after.contains { $0.contains("\"host\":\"host007\"") }, "\(after)")
    }

    @Test func aDeadControllersLeaseIsUnlockedWithoutForce() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        // Serial 2: batch 2 is host009 and host010, where `slow` waits.
        let first = try startHeldRun(
            playbook, limit: "host00[5-6]:host009:host010", journal: journal, waitingOn: ["host009", "host010"])
        first.kill(SIGKILL)
        let id = try #require(try await runIDs(journal).first)
        let unlocked = try await drover(["unlock", "host010", "127.0.1.9:22", "--journal", journal])
        #expect(unlocked.status == 0, "\(unlocked.stdout)\(unlocked.stderr)")
        #expect(unlocked.stdout.contains("host010 (127.0.1.10:22): broke the lease of run \(id)"), "\(unlocked.stdout)")
        #expect(unlocked.stdout.contains("its controller is gone"))
        #expect(unlocked.stdout.contains("host009 (127.0.1.9:22): broke the lease"))
        try await release("host009:host010", remote)
    }

    @Test func ofTwoResumesOfOneRunAtOnceExactlyOneGoesAhead() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let first = try startHeldRun(
            playbook, limit: "host01[1-4]", journal: journal, waitingOn: ["host013", "host014"])
        first.kill(SIGKILL)
        let id = try #require(try await runIDs(journal).first)
        // Both start together; the cut-off `slow` runs again and waits for the go file, so the winner is still
        // working when the loser is refused: the first to end is the loser.
        let arguments = ["resume", id, "--journal", journal, "--connect-timeout", "30s"]
        try await withThrowingTaskGroup(of: Subprocess.Result.self) { group in
            group.addTask { try await drover(arguments) }
            group.addTask { try await drover(arguments) }
            let loser = try #require(try await group.next())
            #expect(loser.status == 4, "\(loser.stdout)\(loser.stderr)")
            #expect(
                loser.stderr.contains("REFUSED (exit 4): run \(id) is still live")
                    || loser.stderr.contains("locked by run \(id) of ci-operator"),
                "\(loser.stderr)")
            try await release("host01[3-4]", remote)
            let winner = try #require(try await group.next())
            #expect(winner.status == 0, "\(winner.stdout)\(winner.stderr)")
        }
        for host in (11...14).map(Testbed.name) {
            #expect(try await lines(of: host, remote).filter { $0 == "last" }.count == 1, "\(host)")
        }
    }
}
