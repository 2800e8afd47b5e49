import DroverTestSupport
import Foundation
import Testing

/// Notices from the `drover` executable: a real run over the testbed and `notify-test`, both posting to a receiver on
/// loopback started by the test.
@Suite("drover run notices and notify-test", .timeLimit(.minutes(2)))
struct NotifyCommandTests {
    let droverHome = NSTemporaryDirectory() + "drover-home-" + UUID().uuidString

    init() throws { try Testbed.ensureUp() }

    private func drover(_ arguments: [String], environment: [String: String] = [:]) async throws -> Subprocess.Result {
        let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
            ?? Testbed.repositoryRoot + "/.build/debug/drover"
        // A journal of its own: runs of concurrent tests on the same hosts would otherwise meet each other's locks.
        return try await Subprocess.run(
            binary, arguments, environment: environment.merging(["DROVER_HOME": droverHome]) { $1 },
            timeout: .seconds(90))
    }

    private func directory() async throws -> String {
        let directory = NSTemporaryDirectory() + "drover-notify-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func runPostsStartedThenCompletedToThePolicysWebhook() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let directory = try await directory()
        let unique = "notify-" + UUID().uuidString.prefix(8).lowercased()
        try """
            [app]
            host005 ansible_host=\(Testbed.address(5))
            host006 ansible_host=\(Testbed.address(6))
            [all:vars]
            drover_environment=notifytest
            ansible_user=root
            ansible_ssh_private_key_file=\(Testbed.clientKeyPath)
            ansible_ssh_common_args='-o UserKnownHostsFile=\(Testbed.knownHostsPath)'
            """.write(toFile: directory + "/inventory.ini", atomically: true, encoding: .utf8)
        // policy.yml beside the inventory is found without --policy.
        try """
            environments:
              notifytest: {}
            notify:
              targets:
                - webhook: "\(receiver.url)"
                  headers: { Authorization: NOTIFY_TEST_TOKEN }
                  events: [started, completed, failed]
            """.write(toFile: directory + "/policy.yml", atomically: true, encoding: .utf8)
        try """
            name: Notify end to end
            change: { type: normal, id: RFC-2026-0808, approved_by: Tester }
            stages:
              - name: Touch a file
                hosts: app
                serial: 1
                steps:
                  - run: mkdir -p /srv/host/\(unique) && echo done > /srv/host/\(unique)/marker
            """.write(toFile: directory + "/play.yml", atomically: true, encoding: .utf8)
        let result = try await drover(
            ["run", directory + "/play.yml", "-i", directory + "/inventory.ini", "--yes", "--output", "json",
             "--connect-timeout", "30s"],
            environment: ["NOTIFY_TEST_TOKEN": "Bearer cli-secret"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")

        let requests = receiver.requests
        let bodies = requests.compactMap(\.json)
        #expect(bodies.map { $0["event"] as? String } == ["started", "completed"])
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer cli-secret" })
        let lines = try result.stdout.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let runID = try #require(lines.first { $0["event"] as? String == "run_started" }?["run_id"] as? String)
        for body in bodies {
            #expect(body["run_id"] as? String == runID)
            #expect(body["playbook"] as? String == "Notify end to end")
            #expect(body["environment"] as? String == "notifytest")
            #expect(body["change_id"] as? String == "RFC-2026-0808")
            #expect(body["hosts_total"] as? Int == 2)
        }
        #expect(bodies.last?["hosts_done"] as? Int == 2)
        #expect(bodies.last?["outcome"] as? String == "SUCCESSFUL")
        #expect((bodies.first?["text"] as? String)?.contains("Impact: ") == true)
        // The run's own output records each notice, the URL cut after its host.
        let notices = lines.filter { $0["event"] as? String == "notification" }
        #expect(notices.map { $0["notice"] as? String } == ["started", "completed"])
        #expect(notices.allSatisfy { $0["delivered"] as? Bool == true })
        #expect(notices.allSatisfy { $0["target"] as? String == "webhook http://127.0.0.1:\(receiver.port)/…" })
        #expect(!result.stdout.contains("T0KEN-SECRET") && !result.stdout.contains("cli-secret"))
        #expect(!result.stderr.contains("T0KEN-SECRET"))
    }

    @Test func failingWebhookIsShownButTheRunSucceeds() async throws {
        let receiver = try HTTPReceiver(mode: .answer(status: 500))
        defer { receiver.stop() }
        let directory = try await directory()
        try """
            [app]
            host007 ansible_host=\(Testbed.address(7))
            [all:vars]
            ansible_user=root
            ansible_ssh_private_key_file=\(Testbed.clientKeyPath)
            ansible_ssh_common_args='-o UserKnownHostsFile=\(Testbed.knownHostsPath)'
            """.write(toFile: directory + "/inventory.ini", atomically: true, encoding: .utf8)
        try "environments: {}\n".write(toFile: directory + "/policy.yml", atomically: true, encoding: .utf8)
        // The playbook's own notify replaces the policy's (which has none).
        try """
            name: Own notices
            notify:
              targets: [{ webhook: "\(receiver.url)", events: [completed] }]
            stages:
              - { name: Nothing, hosts: app, steps: [{ run: "true" }] }
            """.write(toFile: directory + "/play.yml", atomically: true, encoding: .utf8)
        let result = try await drover([
            "run", directory + "/play.yml", "-i", directory + "/inventory.ini", "--yes", "--connect-timeout", "30s",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(receiver.requests.count == 3)
        #expect(result.stdout.contains(
            "notice 'completed' to webhook http://127.0.0.1:\(receiver.port)/… not delivered: HTTP 500: receiver told to fail (after 3 attempts)"),
            "\(result.stdout)")
        #expect(result.stdout.contains("SUCCESSFUL (exit 0)"))
    }

    @Test func notifyTestSendsASampleOfEachEventToEachTarget() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let directory = try await directory()
        let script = directory + "/page"
        try "#!/bin/sh\ncat >> \"$0.log\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        try """
            environments:
              production:
                notify:
                  targets:
                    - { webhook: "\(receiver.url)", events: [started, completed] }
                    - { command: "\(script)", events: [failed] }
                    - { command: "/nonexistent/pager", events: [failed] }
            """.write(toFile: directory + "/policy.yml", atomically: true, encoding: .utf8)
        let result = try await drover(["notify-test", "--policy", directory + "/policy.yml", "--env", "production"])
        #expect(result.status == 1)
        #expect(result.stdout == """
            webhook http://127.0.0.1:\(receiver.port)/…
              started               delivered
              completed             delivered
            command \(script)
              failed                delivered
            command /nonexistent/pager
              failed                NOT DELIVERED: /nonexistent/pager is not an executable file (nor one in PATH)
            3 of 4 notices delivered

            """)
        #expect(receiver.requests.map { $0.json?["event"] as? String } == ["started", "completed"])
        let logged = try String(contentsOfFile: script + ".log", encoding: .utf8)
        #expect(logged.contains("\"event\":\"failed\""))
    }
}
