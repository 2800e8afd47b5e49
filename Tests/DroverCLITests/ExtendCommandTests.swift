import DroverTestSupport
import Foundation
import Testing

/// `drover extend` from another process against a run on the real testbed: the running controller sends the
/// `extended` notice while its batch still runs, and its window fit lets the next batch start by the new end.
@Suite("drover extend", .timeLimit(.minutes(2)))
struct ExtendCommandTests {
    init() throws { try Testbed.ensureUp() }

    static let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
        ?? Testbed.repositoryRoot + "/.build/debug/drover"

    private func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(Self.binary, arguments, environment: ["USER": "ci-operator"], timeout: .seconds(60))
    }

    @Test func aRunningRunsWindowFitUsesTheExtendedEndAndTellsIt() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let id = UUID().uuidString.prefix(8).lowercased()
        let directory = NSTemporaryDirectory() + "drover-extend-" + id
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let journal = directory + "/journal.sqlite"
        let remote = "/srv/host/drover-extend-" + id
        try """
            [app]
            host007 ansible_host=\(Testbed.address(7))
            host008 ansible_host=\(Testbed.address(8))
            [app:vars]
            ansible_user=root
            ansible_ssh_private_key_file=\(Testbed.clientKeyPath)
            ansible_ssh_common_args='-o UserKnownHostsFile=\(Testbed.knownHostsPath) -o StrictHostKeyChecking=yes'
            [all:vars]
            drover_environment=extendtest
            """.write(toFile: directory + "/hosts.ini", atomically: true, encoding: .utf8)
        try """
            timezone: UTC
            environments:
              extendtest:
                windows:
                  - { name: Nightly, days: daily, start: "02:00", end: "03:00" }
            notify:
              targets:
                - { webhook: "\(receiver.url)", events: [extended] }
            """.write(toFile: directory + "/policy.yml", atomically: true, encoding: .utf8)
        try """
            name: Slow update
            stages:
              - name: Update
                hosts: app
                serial: 1
                steps:
                  - name: hold
                    run: mkdir -p \(remote) && if [ "$(hostname)" = host007 ]; then \(Testbed.holdUntil(remote + "/go")); fi
                    idempotent: true
            """.write(toFile: directory + "/play.yml", atomically: true, encoding: .utf8)

        // Judged 3 seconds before the window closes: the first batch may start, and once those seconds have passed
        // no batch may start unless the window was extended.
        let started = Date()
        let run = try RunningProcess(
            Self.binary,
            [
                "run", directory + "/play.yml", "-i", directory + "/hosts.ini", "--journal", journal, "--yes",
                "--output", "json", "--now", "2026-11-24T02:59:57Z",
            ],
            environment: ["USER": "ci-operator"])
        let pid = run.pid
        // Guard: a controller that hangs fails the test instead of hanging it.
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(90)) { kill(pid, SIGKILL) }
        let holding = run.waitForLine {
            $0.contains("\"event\":\"step_started\"") && $0.contains("\"host\":\"host007\"")
        }
        #expect(holding != nil, "\(run.lines)")
        let runs = try await drover(["runs", "--journal", journal, "--output", "json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(runs.stdout.split(separator: "\n")[0].utf8)) as? [String: Any])
        let runID = try #require(object["id"] as? String)

        let extended = try await drover([
            "extend", runID, "--by", "30m", "--reason", "slow disks", "--approved-by", "CAB", "--journal", journal,
        ])
        #expect(extended.status == 0, "\(extended.stderr)")
        #expect(extended.stdout.contains("to 2026-11-24T03:30:00Z"), "\(extended.stdout)")
        // Told while the first batch is still held on host007 (until the test releases it below), not when the next
        // batch is judged.
        // (The controller reads every 5 s; the bound is for a loaded machine, and only catches a notice never sent.)
        let notices = await receiver.waitForRequests(1, timeout: .seconds(30))
        #expect(notices.first?.json?["event"] as? String == "extended")
        #expect(notices.first?.json?["window_end"] as? String == "2026-11-24T03:30:00Z")
        #expect((notices.first?.json?["reason"] as? String) == "slow disks")

        // Let the original end pass on the run's clock (a bounded wait on the condition under test), then release
        // the first batch: the second may start only because the window was extended.
        #expect(try await eventually(within: .seconds(30)) { Date().timeIntervalSince(started) >= 3.5 })
        let release = try await drover([
            "exec", "-i", directory + "/hosts.ini", "--limit", "host007", "--", "touch \(remote)/go",
        ])
        #expect(release.status == 0, "\(release.stderr)")
        #expect(run.wait() == 0, "\(run.lines.joined(separator: "\n"))")
        #expect(run.lines.contains { $0.contains("\"event\":\"batch_started\"") && $0.contains("host008") })
        #expect(receiver.requests.count == 1, "told once")

        // The extension is in the run's log with who and why.
        let log = try await drover(["log", runID, "--journal", journal])
        #expect(log.stdout.contains("window extended by 30m"), "\(log.stdout)")
    }
}
