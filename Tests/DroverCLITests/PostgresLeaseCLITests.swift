import DroverJournal
import DroverJournalPostgres
import DroverTestSupport
import Foundation
import Testing

/// Host leases across controllers on the team journal: each controller is a process in a UTS namespace of its own
/// (`unshare --uts`, its own host name), so the journal sees two machines, as a team's laptops and CI runners are.
@Suite("leases across controllers on PostgreSQL", .serialized, .timeLimit(.minutes(3)))
struct PostgresLeaseCLITests {
    init() throws { try Testbed.ensureUp() }

    let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
        ?? Testbed.repositoryRoot + "/.build/debug/drover"

    /// `drover ARGUMENTS` on the machine called `machine`.
    func on(_ machine: String, _ arguments: [String]) -> (String, [String]) {
        ("/usr/bin/unshare", ["--uts", "sh", "-c", "hostname \(machine) && exec \"$0\" \"$@\"", binary] + arguments)
    }

    func drover(_ arguments: [String], operator name: String = "ci-operator") async throws -> Subprocess.Result {
        try await Subprocess.run(binary, arguments, environment: ["USER": name], timeout: .seconds(120))
    }

    /// The held rollout (`Testbed.heldRollout`): the run keeps its leases until the test releases it.
    func heldPlaybook(_ directory: String, remote: String) throws -> String {
        try Testbed.heldRollout(at: directory + "/held.yml", name: "Held rollout", remote: remote)
    }

    func workspace() throws -> (directory: String, remote: String) {
        let id = UUID().uuidString.prefix(8).lowercased()
        let directory = NSTemporaryDirectory() + "drover-pg-lease-" + id
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (directory, "/srv/host/drover-pg-lease-" + id)
    }

    func release(_ limit: String, _ remote: String) async throws {
        let result = try await drover(["exec", "-i", Testbed.inventoryPath, "--limit", limit, "--", "mkdir -p \(remote) && touch \(remote)/go"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    func lines(_ host: String, _ remote: String) async throws -> [String] {
        let result = try await drover(["exec", "-i", Testbed.inventoryPath, "--limit", host, "--", "cat \(remote)/log-\(host)"])
        return result.stdout.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
            .filter { ["ran", "after"].contains($0) }
    }

    @Test func ofTwoControllersStartedTogetherOnOverlappingHostsExactlyOneRunsTheOtherIsRefusedNamingIt() async throws {
        let journal = try await PostgresTestCluster.freshDatabase("race")
        let (directory, _) = try workspace()
        // Every round: ctl-a wants host017 and host018, ctl-b wants host018; they start at the same moment.
        for round in 0..<6 {
            let remote = "/srv/host/drover-pg-race-\(UUID().uuidString.prefix(8).lowercased())"
            let playbook = try heldPlaybook(directory, remote: remote)
            let a = on("ctl-a", ["run", playbook, "-i", Testbed.inventoryPath, "--limit", "host017:host018", "--yes", "--journal", journal])
            let b = on("ctl-b", ["run", playbook, "-i", Testbed.inventoryPath, "--limit", "host018", "--yes", "--journal", journal])
            let order = round.isMultiple(of: 2) ? [("ctl-a", a), ("ctl-b", b)] : [("ctl-b", b), ("ctl-a", a)]
            let results = try await withThrowingTaskGroup(of: (String, Subprocess.Result).self) { group in
                for (name, command) in order {
                    group.addTask {
                        (name, try await Subprocess.run(command.0, command.1, environment: ["USER": "op-\(name)"]))
                    }
                }
                // The refused one ends first; the winner waits in its step until released.
                var results: [(String, Subprocess.Result)] = []
                if let first = try await group.next() { results.append(first) }
                try await release("host017:host018", remote)
                if let second = try await group.next() { results.append(second) }
                return results
            }
            let refused = results.filter { $0.1.status == 4 }
            let won = results.filter { $0.1.status == 0 }
            #expect(refused.count == 1 && won.count == 1, "round \(round): \(results.map { "\($0.0): \($0.1.status) \($0.1.stdout)" })")
            guard let loser = refused.first, let winner = won.first else { continue }
            let runs = try await drover(["runs", "--journal", journal, "--output", "json"])
            let winnerRun = try #require(
                runs.stdout.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }.first { $0["operator"] as? String == "op-\(winner.0)" && $0["status"] as? String == "SUCCESSFUL" }?["id"]
                    as? String)
            // The refusal names the holder's run, operator and controller machine.
            #expect(
                loser.1.stdout.contains("host018 (127.0.1.18:22) locked by run \(winnerRun) of op-\(winner.0) (pid ")
                    && loser.1.stdout.contains(" on \(winner.0))"),
                "round \(round): \(loser.1.stdout)\(loser.1.stderr)")
            // The winner's step ran once on each of its hosts; the loser touched nothing.
            for host in winner.0 == "ctl-a" ? ["host017", "host018"] : ["host018"] {
                #expect(try await lines(host, remote) == ["ran", "after"], "round \(round) \(host)")
            }
        }
    }

    @Test func aKilledControllersLeasesLapseAfterTheLeaseTimeThenAnotherMachineResumesTheRun() async throws {
        let journal = try await PostgresTestCluster.freshDatabase("lapse")
        let (directory, remote) = try workspace()
        let playbook = try heldPlaybook(directory, remote: remote)
        let command = on(
            "ctl-b",
            ["run", playbook, "-i", Testbed.inventoryPath, "--limit", "host016", "--yes", "--journal", journal,
             "--lease-time", "15s", "--output", "json"])
        let controller = try RunningProcess(command.0, command.1, environment: ["USER": "night-ci"])
        #expect(controller.waitForLine { $0.contains("\"event\":\"step_started\"") && $0.contains("\"name\":\"wait\"") } != nil)
        controller.kill(SIGKILL)
        let id = try #require(
            (try JSONSerialization.jsonObject(
                with: Data(try await drover(["runs", "--journal", journal, "--output", "json"]).stdout.utf8))
                as? [String: Any])?["id"] as? String)

        // Before the lease time is up nobody here can tell ctl-b's controller is gone: resume is refused, naming it.
        let early = try await drover(["resume", id, "--journal", journal, "--yes"])
        #expect(early.status == 4, "\(early.stdout)\(early.stderr)")
        #expect((early.stdout + early.stderr).contains("ctl-b"), "\(early.stdout)\(early.stderr)")

        // Someone watches the run from another process: once the lease lapses it says the run stalled, and who can
        // continue it.
        let watchErrors = directory + "/watch.stderr"
        let watch = try RunningProcess(
            "/bin/sh", ["-c", "exec \"$0\" \"$@\" 2>\(watchErrors)", binary, "watch", id, "--journal", journal])

        // Its lease lapses by the server's clock (no renewal): wait for that, bounded well past the 15 s lease time.
        let server = try await PostgresTestCluster.open(journal)
        let lease = try #require(try await server.leases().first)
        #expect(lease.holder.controller == "ctl-b")
        #expect(try await eventually(within: .seconds(60)) { try await server.now() > lease.expiresAt })
        _ = try await eventually(within: .seconds(30)) {
            (try? String(contentsOfFile: watchErrors, encoding: .utf8))?.contains("has stalled") == true
        }
        let stalled = (try? String(contentsOfFile: watchErrors, encoding: .utf8)) ?? ""
        #expect(
            stalled.contains(
                "run \(id) has stalled: its controller (pid \(controller.pid) on ctl-b, run by night-ci) stopped renewing "
                    + "its leases"),
            "\(stalled)")
        #expect(stalled.contains("drover resume \(id)"))
        try await release("host016", remote)
        let resumed = try await drover(["resume", id, "--journal", journal, "--yes"])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        // `wait` was cut off (idempotent: run again, once, whether the killed attempt reached the host or not), `after`
        // ran once.
        let log = try await lines("host016", remote)
        #expect(log.filter { $0 == "after" }.count == 1, "\(log)")
        #expect([1, 2].contains(log.filter { $0 == "ran" }.count), "\(log)")
        let verify = try await drover(["verify", id, "--journal", journal])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // The watcher saw the resumed run through to its end.
        #expect(watch.wait() == 0)
        #expect(watch.lines.contains { $0.contains("SUCCESSFUL") }, "\(watch.lines.joined(separator: "\n"))")
    }
}
