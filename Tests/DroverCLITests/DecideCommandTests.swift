import DroverTestSupport
import Foundation
import Testing

/// `on_halt: pause` and `drover decide` from another process, over the real testbed and Prometheus: the paused
/// run waits, reads the answer from its journal, and retries, or rolls back when nobody answers in time.
@Suite("pause and decide", .serialized, .timeLimit(.minutes(3)))
struct DecideCommandTests {
    static let binary = Testbed.repositoryRoot + "/.build/debug/drover"
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "drover-decide-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// host017 then host018, one a batch (no other suite changes their demo service): the release sets host017's
    /// error ratio to 0.5 (exiting 0), host018's to 0.
    /// The service is up and scraped before the playbook is returned.
    func playbook(pauseTimeout: String) async throws -> String {
        try await AnalysisGateTests.demoServiceScraped([17, 18], in: directory)
        let prometheus = try AnalysisGateTests.prometheus()
        let path = directory + "/play.yml"
        try """
        name: Paused rollout
        change: { type: routine, estimate: 5m }
        vars:
          state: /srv/host/demo-metrics
          tool: /srv/host/demo-metrics.py
        stages:
          - name: Demo service up and healthy
            hosts: host017:host018
            steps:
              - upload: { src: \(Testbed.repositoryRoot)/Playbooks/files/demo-metrics.py, dest: /srv/host/demo-metrics.py, mode: "0755" }
              - run: "{{ tool }} start {{ host.address }} 9100 {{ state }} && {{ tool }} set {{ state }} error_ratio 0"
          - name: Roll out the release
            hosts: host017:host018
            serial: 1
            analysis:
              initial_delay: 2s
              metrics:
                - name: error rate
                  prometheus: { url: "\(prometheus)", query: 'max(demo_error_ratio{instance=~"{{ batch.regex }}"})' }
                  max: 0.05
            on_halt: pause
            pause_timeout: \(pauseTimeout)
            steps:
              - run: "{{ tool }} set {{ state }} error_ratio $([ {{ host.name }} = host017 ] && echo 0.5 || echo 0)"
            rollback:
              - run: "{{ tool }} set {{ state }} error_ratio 0"

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func start(_ path: String) throws -> RunningProcess {
        try RunningProcess(
            Self.binary, ["run", path, "-i", Testbed.inventoryPath, "--yes", "--output", "json"],
            environment: ["DROVER_HOME": directory + "/home"])
    }

    func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(
            Self.binary, arguments, environment: ["DROVER_HOME": directory + "/home"], timeout: .seconds(60))
    }

    static func object(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func aPausedRunIsRetriedFromAnotherShellOnceTheServiceIsFixed() async throws {
        try Testbed.ensureUp()
        let run = try start(try await playbook(pauseTimeout: "2m"))
        let started = try #require(run.waitForLine { $0.contains("\"event\":\"run_started\"") })
        let id = try #require(Self.object(started)["run_id"] as? String)
        let pause = try #require(run.waitForLine { $0.contains("\"action\":\"pause\"") })
        let reason = try #require(Self.object(pause)["reason"] as? String)
        #expect(reason == "batch 1: error rate 0.5 > max 0.05; answer with: drover decide \(id) rollback|retry|continue --reason TEXT")

        let runs = try await drover(["runs"])
        #expect(runs.stdout.split(separator: "\n").contains { $0.hasPrefix(id) && $0.hasSuffix("PAUSED") }, "\(runs.stdout)")

        // Someone fixes the service, then answers from another process.
        let fixed = try await drover([
            "exec", "-i", Testbed.inventoryPath, "--limit", "host017", "--",
            "/srv/host/demo-metrics.py set /srv/host/demo-metrics error_ratio 0",
        ])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let decided = try await drover(["decide", id, "retry", "--reason", "rolled the config back by hand", "--by", "ops"])
        #expect(decided.status == 0, "\(decided.stderr)")
        #expect(run.wait() == 0, "\(run.lines.joined(separator: "\n"))")
        let events = run.lines.map(Self.object)
        let answers = events.filter { $0["event"] as? String == "operator_answered" }
        #expect(answers.count == 1)
        #expect(answers.first?["choice"] as? String == "retry" && answers.first?["by"] as? String == "ops")
        let passed = events.filter { $0["event"] as? String == "decision" && $0["rule"] as? String == "analysis" && $0["action"] as? String == "continue" }
        #expect(passed.count == 2, "batch 1 after its retry, and batch 2")
        // The journal holds the answer once, with who and why; a finished run takes no more answers.
        let log = try await drover(["log", id])
        #expect(log.stdout.contains("ops answered retry (stage 2 'Roll out the release'): rolled the config back by hand"), "\(log.stdout)")
        let again = try await drover(["decide", id, "continue", "--reason", "late"])
        #expect(again.status == 4)
        #expect(again.stderr.contains("run \(id) is not paused (it is SUCCESSFUL)"), "\(again.stderr)")
    }

    @Test func aPauseNobodyAnswersRollsBackAtItsTimeout() async throws {
        try Testbed.ensureUp()
        let run = try start(try await playbook(pauseTimeout: "2s"))
        #expect(run.waitForLine { $0.contains("\"action\":\"pause\"") } != nil)
        #expect(run.wait() == 2)
        let events = run.lines.map(Self.object)
        let answer = try #require(events.first { $0["event"] as? String == "operator_answered" })
        #expect(answer["timed_out"] as? Bool == true && answer["choice"] as? String == "rollback")
        #expect(!events.contains { $0["event"] as? String == "batch_started" && $0["stage"] as? Int == 2 && $0["batch"] as? Int == 2 })
    }

    @Test func aPauseStepWaitsForAGoAheadAfterTheChosenBatchOnlyAndItsTimeoutMayContinue() async throws {
        try Testbed.ensureUp()
        let path = directory + "/canary.yml"
        try """
        name: Canary look
        stages:
          - name: Roll out
            hosts: host017:host018
            serial: 1
            pause: { prompt: Look at the canary dashboards, timeout: 2s, on_timeout: continue, when: batch.index == 1 }
            steps:
              - run: "true"

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try start(path)
        let pause = try #require(run.waitForLine { $0.contains("\"action\":\"pause\"") })
        #expect((Self.object(pause)["reason"] as? String)?.hasPrefix("batch 1 done: Look at the canary dashboards") == true)
        #expect(run.wait() == 0)
        let events = run.lines.map(Self.object)
        #expect(events.filter { $0["event"] as? String == "decision" && $0["action"] as? String == "pause" }.count == 1)
        let answer = try #require(events.first { $0["event"] as? String == "operator_answered" })
        #expect(answer["timed_out"] as? Bool == true && answer["choice"] as? String == "continue")
        #expect(events.contains { $0["event"] as? String == "batch_finished" && $0["batch"] as? Int == 2 })
    }

    @Test func aRunKilledWhilePausedIsPausedAgainOnResumeAndTakesTheAnswer() async throws {
        try Testbed.ensureUp()
        let path = try await playbook(pauseTimeout: "2m")
        let run = try start(path)
        let started = try #require(run.waitForLine { $0.contains("\"event\":\"run_started\"") })
        let id = try #require(Self.object(started)["run_id"] as? String)
        let first = try #require(run.waitForLine { $0.contains("\"action\":\"pause\"") })
        #expect(run.kill(SIGKILL) != 0)
        let runs = try await drover(["runs"])
        #expect(runs.stdout.split(separator: "\n").contains { $0.hasPrefix(id) && $0.hasSuffix("PAUSED") }, "\(runs.stdout)")

        let resumed = try RunningProcess(
            Self.binary, ["resume", id, "--yes", "--output", "json"], environment: ["DROVER_HOME": directory + "/home"])
        let again = try #require(resumed.waitForLine { $0.contains("\"action\":\"pause\"") })
        // The same question, not a new measurement: the person answers what they were asked.
        #expect(Self.object(again)["reason"] as? String == Self.object(first)["reason"] as? String)
        #expect(!resumed.lines.contains { $0.contains("\"event\":\"measurement\"") })
        let decided = try await drover(["decide", id, "rollback", "--reason", "not fixable in 30 minutes", "--by", "ops"])
        #expect(decided.status == 0, "\(decided.stderr)")
        #expect(resumed.wait() == 2)
        let answer = resumed.lines.map(Self.object).first { $0["event"] as? String == "operator_answered" }
        #expect(answer?["choice"] as? String == "rollback" && answer?["by"] as? String == "ops")
    }

    @Test func continueInProductionNeedsAnApproverThePolicyAllows() async throws {
        try Testbed.ensureUp()
        // The testbed's hosts as a production inventory, with a policy of any time and one approver.
        let (inventory, policy) = try Testbed.productionInventory(in: directory, approvers: ["alice"])
        let run = try RunningProcess(
            Self.binary,
            ["run", try await playbook(pauseTimeout: "2m"), "-i", inventory, "--policy", policy, "--yes", "--output", "json"],
            environment: ["DROVER_HOME": directory + "/home"])
        let started = try #require(run.waitForLine { $0.contains("\"event\":\"run_started\"") })
        let id = try #require(Self.object(started)["run_id"] as? String)
        #expect(run.waitForLine { $0.contains("\"action\":\"pause\"") } != nil)

        let unnamed = try await drover(["decide", id, "continue", "--reason", "known noise", "--policy", policy])
        #expect(unnamed.status == 4)
        #expect(unnamed.stderr.contains("--by must name one of the policy's override_approvers for production (allowed: alice)"))
        let stranger = try await drover(["decide", id, "continue", "--reason", "known noise", "--by", "mallory", "--policy", policy])
        #expect(stranger.status == 4)
        let allowed = try await drover(["decide", id, "continue", "--reason", "known noise", "--by", "alice", "--policy", policy])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(run.wait() == 0)
        let answer = run.lines.map(Self.object).first { $0["event"] as? String == "operator_answered" }
        #expect(answer?["choice"] as? String == "continue" && answer?["by"] as? String == "alice")
    }
}
