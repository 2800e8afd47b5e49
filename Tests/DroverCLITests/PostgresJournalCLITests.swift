import DroverTestSupport
import Foundation
import Testing

/// The team journal as a user meets it: `--journal postgresql://…` (or `DROVER_JOURNAL`) in every journal command
/// over the real server and the real testbed, the same output as SQLite for the same history (`journal copy` both
/// ways), and a sentence for each way the server cannot be used. Each test has databases of its own on the private
/// cluster `Scripts/test` starts (DROVER_TEST_POSTGRES, PGPASSFILE).
@Suite("drover on the PostgreSQL journal", .serialized, .timeLimit(.minutes(3)))
struct PostgresJournalCLITests {
    init() throws { try Testbed.ensureUp() }

    let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
        ?? Testbed.repositoryRoot + "/.build/debug/drover"

    func drover(_ arguments: [String], environment: [String: String] = [:]) async throws -> Subprocess.Result {
        try await Subprocess.run(
            binary, arguments, environment: ["USER": "ci-operator"].merging(environment) { $1 }, timeout: .seconds(120))
    }

    func workspace() throws -> (directory: String, remote: String) {
        let id = UUID().uuidString.prefix(8).lowercased()
        let directory = NSTemporaryDirectory() + "drover-pg-cli-" + id
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (directory, "/srv/host/drover-pg-" + id)
    }

    /// A short playbook: a check, two steps in batches of one, a verification.
    func playbook(in directory: String, remote: String) throws -> String {
        let path = directory + "/playbook.yml"
        try """
            name: Team journal test
            change:
              type: normal
              id: RFC-2026-0919
              approved_by: Test Approver
              estimate: 2m
            stages:
              - name: Checks
                hosts: all
                steps:
                  - check: { disk_free: { path: /srv/host, min_percent: 1 } }
              - name: Roll out
                hosts: all
                serial: 1
                steps:
                  - name: write
                    run: mkdir -p \(remote) && echo done >> \(remote)/log
                  - name: read
                    run: cat \(remote)/log
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func everyJournalCommandWorksOnPostgresAndACopyPrintsTheSameBothWays() async throws {
        let (directory, remote) = try workspace()
        let playbook = try playbook(in: directory, remote: remote)
        let server = try await PostgresTestCluster.freshDatabase("cli")
        // DROVER_JOURNAL names the journal when --journal does not.
        let run = try await drover(
            ["run", playbook, "-i", Testbed.inventoryPath, "--limit", "host019:host020", "--yes"],
            environment: ["DROVER_JOURNAL": server])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let runs = try await drover(["runs", "--journal", server, "--output", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any])
        let id = try #require(object["id"] as? String)
        #expect(object["status"] as? String == "SUCCESSFUL")
        #expect(object["operator"] as? String == "ci-operator")
        let verify = try await drover(["verify", "--journal", server])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("run \(id): ok"))
        let unlock = try await drover(["unlock", "host019", "--journal", server])
        #expect(unlock.stdout.contains("host019: not leased"), "\(unlock.stdout)\(unlock.stderr)")

        // PostgreSQL → SQLite → another PostgreSQL database: verify passes on each copy, and every journal command
        // prints byte for byte the same on all three.
        let file = directory + "/copy.sqlite"
        let second = try await PostgresTestCluster.freshDatabase("cli")
        let toFile = try await drover(["journal", "copy", server, file])
        #expect(toFile.status == 0, "\(toFile.stdout)\(toFile.stderr)")
        #expect(toFile.stdout.contains("run \(id): copied"))
        let back = try await drover(["journal", "copy", file, second])
        #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
        let again = try await drover(["journal", "copy", file, second])
        #expect(again.stdout.contains("run \(id): skipped (already in the target)"), "\(again.stdout)")
        let commands: [[String]] = [
            ["log", id], ["log", id, "--output", "json"], ["log", id, "--output", "markdown"], ["report"],
            ["report", "--output", "json"], ["runs"], ["runs", "--output", "json"], ["verify"],
        ]
        // `report --output json` names the start of its period to the second (now minus 90 days): two invocations
        // may fall in different seconds, so that one field is left out of the comparison.
        func comparable(_ output: String) -> String {
            output.replacing(/"since":"[^"]*"/, with: "\"since\":…")
        }
        for command in commands {
            let original = try await drover(command + ["--journal", server])
            #expect(original.status == 0, "\(command): \(original.stderr)")
            for copy in [file, second] {
                let printed = try await drover(command + ["--journal", copy])
                #expect(comparable(printed.stdout) == comparable(original.stdout), "\(command) on \(copy)")
                #expect(printed.status == original.status)
            }
        }
    }

    @Test func aServerThatCannotBeUsedIsOneSentenceAndNoHostIsTouched() async throws {
        let (directory, remote) = try workspace()
        let playbook = try playbook(in: directory, remote: remote)
        // Nothing listens on 127.0.0.1:9: refused at once, naming host:port and the cause. The bound only catches a
        // hang (the connect timeout is 10 s).
        let started = ContinuousClock.now
        let unreachable = try await drover([
            "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host019", "--yes", "--journal",
            "postgresql://drover@127.0.0.1:9/drover?sslmode=disable",
        ])
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(unreachable.status == 1)
        #expect(
            unreachable.stderr.contains("cannot reach the journal's PostgreSQL server at 127.0.0.1:9: connection refused"),
            "\(unreachable.stderr)")
        let touched = try await drover([
            "exec", "-i", Testbed.inventoryPath, "--limit", "host019", "--", "test ! -e \(remote)",
        ])
        #expect(touched.status == 0, "the run touched the host: \(touched.stdout)")

        // A wrong password (PGPASSWORD wins over the password file) is named, never echoed.
        let server = try await PostgresTestCluster.freshDatabase("cli")
        let wrong = try await drover(["runs", "--journal", server], environment: ["PGPASSWORD": "not-the-password-42"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("refused the password for user 'drover' (from PGPASSWORD)"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-the-password-42") && !wrong.stdout.contains("not-the-password-42"))

        // A password in the URL is refused without being repeated; a missing database says how to create it.
        let inURL = try await drover(["runs", "--journal", "postgresql://drover:hunter2@127.0.0.1:9/drover"])
        #expect(inURL.status == 1)
        #expect(inURL.stderr.contains("PGPASSWORD or ~/.pgpass") && !inURL.stderr.contains("hunter2"))
        let missing = try await drover([
            "log", "--journal", server.replacingOccurrences(of: "/drover_cli_", with: "/no_such_"),
        ])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("does not exist on the PostgreSQL server at"), "\(missing.stderr)")
    }

    @Test func verifyFullChecksTheServersCertificateForEveryJournalCommand() async throws {
        let (directory, remote) = try workspace()
        let playbook = try playbook(in: directory, remote: remote)
        // The cluster's URL (postgresql://drover@127.0.0.1:PORT/DB) by the name its certificate gives.
        let server = try await PostgresTestCluster.freshDatabase("tls")
        #expect(server.contains("@127.0.0.1:"))
        let byName = server.replacingOccurrences(of: "@127.0.0.1:", with: "@localhost:")
        func url(_ root: String) -> String { byName + "?sslmode=verify-full&sslrootcert=\(root)" }
        let trusted = url(try PostgresTestCluster.certificateAuthority())
        let run = try await drover(["run", playbook, "-i", Testbed.inventoryPath, "--limit", "host019", "--yes", "--journal", trusted])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let verify = try await drover(["verify", "--journal", trusted])
        #expect(verify.status == 0 && verify.stdout.contains(": ok"), "\(verify.stdout)\(verify.stderr)")

        // Another CA: one sentence, exit 1, no host touched.
        let other = try PostgresTestCluster.certificateAuthority(other: true)
        let refused = try await drover([
            "run", playbook, "-i", Testbed.inventoryPath, "--limit", "host020", "--yes", "--journal", url(other),
        ])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("TLS with the journal's server at localhost:")
                && refused.stderr.contains("against \(other) and its host name"), "\(refused.stderr)")
        let touched = try await drover(["exec", "-i", Testbed.inventoryPath, "--limit", "host020", "--", "test ! -e \(remote)"])
        #expect(touched.status == 0, "the refused run touched the host: \(touched.stdout)")
    }

    @Test func watchFromAnotherProcessPrintsTheEventsTheRunPrints() async throws {
        let (directory, remote) = try workspace()
        let server = try await PostgresTestCluster.freshDatabase("watch")
        let path = directory + "/held.yml"
        try """
            name: Watched rollout
            stages:
              - name: Roll out
                hosts: all
                serial: 1
                steps:
                  - name: wait
                    run: mkdir -p \(remote) && \(Testbed.holdUntil(remote + "/go", seconds: 60))
                  - name: after
                    run: echo after
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try RunningProcess(
            binary,
            ["run", path, "-i", Testbed.inventoryPath, "--limit", "host019:host020", "--yes", "--output", "json",
             "--journal", server], environment: ["USER": "ci-operator"])
        #expect(run.waitForLine { $0.contains("\"event\":\"step_started\"") } != nil)
        let id = try #require(
            (try JSONSerialization.jsonObject(
                with: Data(try await drover(["runs", "--journal", server, "--output", "json"]).stdout.utf8))
                as? [String: Any])?["id"] as? String)
        // Started while the run waits: it replays what was journaled, then follows (pushed by the server).
        let watch = try RunningProcess(binary, ["watch", "--output", "json", "--journal", server])
        #expect(watch.waitForLine { $0.contains("\"event\":\"step_started\"") } != nil)
        let released = try await drover(
            ["exec", "-i", Testbed.inventoryPath, "--limit", "host019:host020", "--", "mkdir -p \(remote) && touch \(remote)/go"])
        #expect(released.status == 0)
        #expect(run.wait() == 0)
        #expect(watch.wait() == 0)
        // The same events, in the same order, with the same fields (the run stamps a line when it prints it, watch
        // with the time it was journaled).
        func events(_ lines: [String]) -> [NSDictionary] {
            lines.compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    return nil
                }
                return object.filter { $0.key != "time" } as NSDictionary
            }
        }
        let printed = events(run.lines)
        #expect(printed.count > 8)
        #expect(events(watch.lines) == printed)
        #expect(printed.last?["event"] as? String == "run_finished")
        let log = try await drover(["log", id, "--journal", server])
        #expect(log.stdout.contains("SUCCESSFUL"), "\(log.stdout)")
    }
}
