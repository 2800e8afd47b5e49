import DroverTestSupport
import Foundation
import GRDB
import Testing

/// The journal as a user meets it, over the real testbed: runs, log, verify, tampering, host leases and a
/// controller killed mid-run then resumed. Each test writes only under its own /srv/host/drover-journal-* directory
/// and its own temporary journal.
@Suite("drover journal commands", .serialized, .timeLimit(.minutes(3)))
struct JournalCLITests {
    init() throws { try Testbed.ensureUp() }

    let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
        ?? Testbed.repositoryRoot + "/.build/debug/drover"

    func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(binary, arguments, environment: ["USER": "ci-operator"], timeout: .seconds(120))
    }

    /// A temp directory with a journal path, and a unique directory name for the hosts.
    func workspace() async throws -> (directory: String, journal: String, remote: String) {
        let id = UUID().uuidString.prefix(8).lowercased()
        let directory = NSTemporaryDirectory() + "drover-journal-cli-" + id
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (directory, directory + "/journal.sqlite", "/srv/host/drover-journal-" + id)
    }

    /// Three stages: a check, a batched rollout appending one line per step to `remote/log`, a verification.
    /// The step `slow` sleeps on the second batch until the test creates `remote/go` (before resuming).
    func playbook(in directory: String, remote: String, slowIdempotent: Bool = true) async throws -> String {
        let path = directory + "/playbook.yml"
        try """
            name: Journal CLI test
            change:
              type: normal
              id: RFC-2026-0777
              approved_by: Test Approver
              estimate: 5m
            stages:
              - name: Pre-maintenance checks
                hosts: all
                steps:
                  - check: { disk_free: { path: /srv/host, min_percent: 1 } }
              - name: Roll out
                hosts: all
                serial: 2
                steps:
                  - name: first
                    run: mkdir -p \(remote) && echo first >> \(remote)/log
                  - name: slow
                    run: echo slow >> \(remote)/log && if [ {{ batch.index }} = 2 ]; then \(Testbed.holdUntil(remote + "/go")); fi
                    idempotent: \(slowIdempotent)
                  - name: last
                    run: echo last >> \(remote)/log
              - name: Verification
                hosts: all
                steps:
                  - check: { command: "grep -qx last \(remote)/log" }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Lets `slow` finish at once from now on.
    func release(_ limit: String, _ remote: String) async throws {
        let result = try await drover(["exec", "-i", Testbed.inventoryPath, "--limit", limit, "--", "mkdir -p \(remote) && touch \(remote)/go"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    func lines(of host: String, _ remote: String) async throws -> [String] {
        let result = try await drover(["exec", "-i", Testbed.inventoryPath, "--limit", host, "--output", "json", "--", "cat \(remote)/log"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        if object["status"] as? String != "ok" && object["exit"] as? Int != 1 {
            Issue.record("exec on \(host) failed: \(result.stdout)\(result.stderr)")
        }
        return (object["stdout"] as? String ?? "").split(separator: "\n").map(String.init)
    }

    func runIDs(_ journal: String) async throws -> [String] {
        let result = try await drover(["runs", "--journal", journal, "--output", "json"])
        return try result.stdout.split(separator: "\n").map {
            try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String)
        }
    }

    @Test func runIsListedLoggedAndVerifiedThenTamperingIsNamed() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let run = try await drover([
            "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host00[5-6]", "--journal", journal, "--yes",
            "--connect-timeout", "30s",
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")

        let runs = try await drover(["runs", "--journal", journal, "--output", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any])
        let id = try #require(object["id"] as? String)
        #expect(object["status"] as? String == "SUCCESSFUL")
        #expect(object["operator"] as? String == "ci-operator")
        #expect(object["change_id"] as? String == "RFC-2026-0777")
        #expect(object["environment"] as? String == "testbed")

        let log = try await drover(["log", id, "--journal", journal, "--output", "markdown"])
        #expect(log.status == 0)
        #expect(log.stdout.contains("| Change ID | RFC-2026-0777 |"))
        #expect(log.stdout.contains("| Operator | ci-operator |"))
        #expect(log.stdout.contains("| Approver | Test Approver |"))
        #expect(log.stdout.contains("- [x] Pre-maintenance checks: check: disk_free /srv/host ≥ 1% — 2/2 passed"))
        #expect(log.stdout.contains("- [x] Verification: check: command grep -qx last"))
        #expect(log.stdout.contains("| Final status | SUCCESSFUL"))

        let verify = try await drover(["verify", "--journal", journal])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("run \(id): ok"))

        // Someone edits one event row (around the append-only triggers) — verify names it.
        let database = try DatabaseQueue(path: journal)
        let sequence = try await database.write { db in
            let sequence = try #require(
                try Int.fetchOne(
                    db, sql: "SELECT min(seq) FROM events WHERE run_id = ? AND kind = 'step_finished' AND payload LIKE '%host006%'",
                    arguments: [id]))
            try db.execute(sql: "DROP TRIGGER events_are_append_only_update")
            try db.execute(
                sql: "UPDATE events SET payload = replace(payload, 'host006', 'host099') WHERE run_id = ? AND seq = ?",
                arguments: [id, sequence])
            return sequence
        }
        let tampered = try await drover(["verify", id, "--journal", journal])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("run \(id): TAMPERED: event \(sequence) (step_finished)"), "\(tampered.stdout)")
        #expect(tampered.stdout.contains("has been altered"))
    }

    @Test func killedControllerIsResumedAndNoCompletedStepRunsTwice() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let hosts = (5...10).map(Testbed.name)
        let controller = try RunningProcess(
            binary,
            [
                "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host00[5-9]:host010", "--journal", journal,
                "--yes", "--output", "json", "--connect-timeout", "30s",
            ], environment: ["USER": "ci-operator"])
        // The journal writes step_started before the stream prints it: when we see it, it is durable.
        // Kill once both hosts of batch 2 have started `slow` (so `first` finished on both).
        var waiting: Set<String> = ["host007", "host008"]
        while !waiting.isEmpty {
            let started = controller.waitForLine { line in
                line.contains("\"event\":\"step_started\"") && line.contains("\"batch\":2")
                    && line.contains("\"name\":\"slow\"")
            }
            guard let started else {
                Issue.record("the run ended first: \(controller.lines.joined(separator: "\n"))")
                return
            }
            waiting = waiting.filter { !started.contains("\"host\":\"\($0)\"") }
        }
        controller.kill(SIGKILL)
        let id = try #require(try await runIDs(journal).first)
        let listed = try await drover(["runs", "--journal", journal, "--output", "json"])
        #expect(listed.stdout.contains("\"status\":\"RUNNING\""))

        // The dead controller's leases still stand: another run on an overlapping host is refused, naming it.
        let other = try await drover([
            "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host010", "--journal", journal, "--yes",
        ])
        #expect(other.status == 4, "\(other.stdout)\(other.stderr)")
        #expect(other.stdout.contains("host010 (127.0.1.10:22) locked by run \(id) of ci-operator"), "\(other.stdout)")
        // Its controller is provably gone (same machine, pid gone): the refusal says so and what to do.
        #expect(other.stderr.contains("run \(id)'s controller (pid \(controller.pid) on this machine) is gone"), "\(other.stderr)")
        #expect(other.stderr.contains("drover resume \(id)"))
        #expect(other.stderr.contains("drover unlock host010"))

        try await release("host00[7-8]", remote)
        let resumed = try await drover(["resume", id, "--journal", journal, "--connect-timeout", "30s"])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")

        for host in hosts {
            let log = try await lines(of: host, remote)
            #expect(log.filter { $0 == "first" }.count == 1, "\(host): \(log)")
            #expect(log.filter { $0 == "last" }.count == 1, "\(host): \(log)")
            // Batch 2's `slow` was cut off by the kill and is idempotent: it ran again, once (whether the killed
            // attempt had reached the host or not).
            let slow = ["host007", "host008"].contains(host) ? [1, 2] : [1]
            #expect(slow.contains(log.filter { $0 == "slow" }.count), "\(host): \(log)")
        }

        let verify = try await drover(["verify", id, "--journal", journal])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let log = try await drover(["log", id, "--journal", journal])
        #expect(log.stdout.contains("resumed the run"))
        #expect(log.stdout.contains("cut-off steps run again: "), "\(log.stdout)")
        #expect(log.stdout.contains("'slow' on host007") && log.stdout.contains("'slow' on host008"))
        #expect(log.stdout.contains("SUCCESSFUL"))
        let unlocked = try await drover(["unlock", "host005", "--journal", journal])
        #expect(unlocked.stdout.contains("host005: not leased"))
    }

    @Test func cutOffStepThatIsNotIdempotentStopsResumeNamingTheHost() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote, slowIdempotent: false)
        let controller = try RunningProcess(
            binary,
            [
                "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host01[1-4]", "--journal", journal, "--yes",
                "--output", "json", "--connect-timeout", "30s",
            ])
        var waiting: Set<String> = ["host013", "host014"]
        while !waiting.isEmpty {
            let started = controller.waitForLine { line in
                line.contains("\"event\":\"step_started\"") && line.contains("\"batch\":2")
                    && line.contains("\"name\":\"slow\"")
            }
            guard let started else {
                Issue.record("the run ended first: \(controller.lines.joined(separator: "\n"))")
                return
            }
            waiting = waiting.filter { !started.contains("\"host\":\"\($0)\"") }
        }
        controller.kill(SIGKILL)
        let id = try #require(try await runIDs(journal).first)
        let resumed = try await drover(["resume", id, "--journal", journal])
        #expect(resumed.status == 5, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stderr.contains("host013 needs attention: 'slow'"), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("host014 needs attention: 'slow'"), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("--rerun-unfinished"))
        // Nothing ran: stage 3 never started on any host.
        #expect(try await lines(of: "host011", remote).filter { $0 == "last" }.count == 1)
        #expect(try await lines(of: "host013", remote).filter { $0 == "last" }.isEmpty)

        try await release("host01[3-4]", remote)
        let rerun = try await drover(["resume", id, "--journal", journal, "--rerun-unfinished", "--connect-timeout", "30s"])
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(try await lines(of: "host013", remote).filter { $0 == "last" }.count == 1)
    }

    @Test func terminatedControllerRecordsInterruptedAndResumeFinishesTheRun() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let controller = try RunningProcess(
            binary,
            [
                "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host01[5-8]", "--journal", journal, "--yes",
                "--output", "json", "--connect-timeout", "30s",
            ])
        var waiting: Set<String> = ["host017", "host018"]
        while !waiting.isEmpty {
            let started = controller.waitForLine { line in
                line.contains("\"event\":\"step_started\"") && line.contains("\"batch\":2")
                    && line.contains("\"name\":\"slow\"")
            }
            guard let started else {
                Issue.record("the run ended first: \(controller.lines.joined(separator: "\n"))")
                return
            }
            waiting = waiting.filter { !started.contains("\"host\":\"\($0)\"") }
        }
        // Nothing new starts; the in-flight `slow` steps finish once released.
        kill(controller.pid, SIGTERM)
        #expect(controller.waitForLine { $0.contains("\"event\":\"stop_requested\"") } != nil)
        try await release("host01[7-8]", remote)
        let finished = controller.waitForLine { $0.contains("\"event\":\"run_finished\"") }
        #expect(finished?.contains("\"status\":\"INTERRUPTED\"") == true, "\(finished ?? "no run_finished")")
        #expect(controller.wait() == 5)
        let id = try #require(try await runIDs(journal).first)
        let listed = try await drover(["runs", "--journal", journal, "--output", "json"])
        #expect(listed.stdout.contains("\"status\":\"INTERRUPTED\""))
        // The policy is checked again before resuming: inside a blackout the run is not resumed and stays
        // INTERRUPTED.
        let closed = directory + "/closed-policy.yml"
        try """
        environments:
          testbed:
            blackouts:
              - { name: All day freeze, daily: "00:00-24:00" }
        """.write(toFile: closed, atomically: true, encoding: .utf8)
        let refused = try await drover(["resume", id, "--journal", journal, "--policy", closed])
        #expect(refused.status == 4, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("All day freeze"))
        #expect(try await drover(["runs", "--journal", journal, "--output", "json"]).stdout.contains("\"status\":\"INTERRUPTED\""))
        let resumed = try await drover(["resume", id, "--journal", journal, "--connect-timeout", "30s"])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        for host in (15...18).map(Testbed.name) {
            let log = try await lines(of: host, remote)
            #expect(log.filter { $0 == "first" }.count == 1, "\(host): \(log)")
            #expect(log.filter { $0 == "last" }.count == 1, "\(host): \(log)")
        }
        #expect(try await drover(["verify", id, "--journal", journal]).status == 0)
    }

    @Test func anEmergencyRunResumesUnderItsRecordedOverrideInsideABlackout() async throws {
        let (directory, journal, remote) = try await workspace()
        let freeze = directory + "/freeze.yml"
        try """
        timezone: UTC
        environments:
          testbed:
            blackouts:
              - { name: All day freeze, daily: "00:00-24:00" }
        """.write(toFile: freeze, atomically: true, encoding: .utf8)
        let playbook = directory + "/hotfix.yml"
        try """
        name: Emergency hotfix
        stages:
          - name: Patch
            hosts: host019
            steps:
              - name: first
                run: mkdir -p \(remote) && echo first >> \(remote)/log
              - name: slow
                run: \(Testbed.holdUntil(remote + "/go"))
                idempotent: true
              - name: last
                run: echo last >> \(remote)/log
        """.write(toFile: playbook, atomically: true, encoding: .utf8)
        let controller = try RunningProcess(
            binary,
            [
                "run", playbook, "-i", Testbed.inventoryPath, "--journal", journal, "--policy", freeze, "--yes",
                "--output", "json", "--connect-timeout", "30s", "--emergency", "--reason", "CVE-2026-0002 exploited",
                "--approved-by", "On-call lead",
            ])
        let started = controller.waitForLine { $0.contains("\"event\":\"step_started\"") && $0.contains("\"name\":\"slow\"") }
        guard started != nil else {
            Issue.record("the run never reached the slow step: \(controller.lines.joined(separator: "\n"))")
            return
        }
        kill(controller.pid, SIGTERM)
        #expect(controller.waitForLine { $0.contains("\"event\":\"stop_requested\"") } != nil)
        try await release("host019", remote)
        #expect(controller.wait() == 5)
        let id = try #require(try await runIDs(journal).first)

        // Still inside the freeze: the run continues as the emergency it was approved as, and says so.
        let resumed = try await drover([
            "resume", id, "--journal", journal, "--policy", freeze, "--output", "json", "--connect-timeout", "30s",
        ])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        let override = resumed.stdout.split(separator: "\n").first { $0.contains("\"event\":\"emergency_override\"") }
        #expect(override?.contains("\"approved_by\":\"On-call lead\"") == true, "\(resumed.stdout)")
        #expect(override?.contains("\"overrides\":\"blackout:All day freeze\"") == true, "\(override ?? "")")
        #expect(try await lines(of: "host019", remote) == ["first", "last"])
        let log = try await drover(["log", id, "--journal", journal])
        // The maintenance log shows the override again where the run was resumed.
        let afterResume = log.stdout.components(separatedBy: "resumed the run").dropFirst().joined()
        #expect(afterResume.contains("EMERGENCY override approved by On-call lead: CVE-2026-0002 exploited"), "\(log.stdout)")
        #expect(try await drover(["verify", id, "--journal", journal]).status == 0)
        _ = try? await drover(["exec", "-i", Testbed.inventoryPath, "--limit", "host019", "--", "rm -rf \(remote)"])
    }

    @Test func unwritableJournalIsAClearErrorBeforeAnyHostIsTouched() async throws {
        let (directory, _, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let blocker = directory + "/not-a-directory"
        _ = FileManager.default.createFile(atPath: blocker, contents: Data())
        let run = try await drover([
            "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host015", "--journal", blocker + "/journal.sqlite",
            "--yes",
        ])
        #expect(run.status == 1)
        #expect(run.stderr.contains("journal"), "\(run.stderr)")
        #expect(run.stderr.contains(blocker))
        #expect(try await lines(of: "host015", remote).isEmpty)
    }
}
