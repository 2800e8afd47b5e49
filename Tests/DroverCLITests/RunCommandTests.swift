import DroverTestSupport
import Foundation
import Testing

/// `drover run`, `plan` and `validate` as a user runs them. `run` goes to the real testbed; each test works under
/// a directory of its own in every host's private /srv/host.
@Suite("drover run, plan and validate", .timeLimit(.minutes(3)))
struct RunCommandTests {
    let directory: String
    let root = "/srv/host/cli-\(UUID().uuidString.prefix(8))"

    init() throws {
        directory = NSTemporaryDirectory() + "drover-run-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        let binary =
            ProcessInfo.processInfo.environment["DROVER_BINARY"] ?? Testbed.repositoryRoot + "/.build/debug/drover"
        return try await Subprocess.run(binary, arguments, environment: ["HOME": directory], timeout: .seconds(120))
    }

    /// A rollout of `release` over testbed hosts 1–10 in batches of 2 (20% threshold by default); the health check fails
    /// on the hosts named in `failOn`.
    private func playbook(failOn: [String] = [], maxFailPercentage: Int = 20) async throws -> String {
        let bad = failOn.map { "[ {{ host.name }} != \($0) ]" }.joined(separator: " && ")
        let path = directory + "/rollout.yml"
        try """
        name: CLI rollout
        change: { type: routine, estimate: 5m }
        vars:
          release: v2
        stages:
          - name: Roll out {{ release }}
            hosts: host00[1-9]:host010
            serial: 2
            max_fail_percentage: \(maxFailPercentage)
            steps:
              - run: mkdir -p \(root) && echo {{ release }} > \(root)/release
              - check: { command: "\(bad.isEmpty ? "true" : bad)" }
            rollback:
              - run: echo v1 > \(root)/release
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func releases() async throws -> [String: String] {
        let result = try await drover([
            "exec", "-i", Testbed.inventoryPath, "--limit", "host00[1-9]:host010", "--output", "json", "--",
            "cat \(root)/release 2>/dev/null || echo none; rm -rf \(root)",
        ])
        var releases: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            releases[object["host"] as! String] = (object["stdout"] as? String)?.trimmingCharacters(in: .newlines)
        }
        return releases
    }

    private func events(_ stdout: String) async throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func successfulRunExitsZeroAndStreamsJSONEvents() async throws {
        try Testbed.ensureUp()
        let result = try await drover(["run", try await playbook(), "-i", Testbed.inventoryPath, "--output", "json", "--yes"])
        #expect(result.status == 0, "\(result.stderr)")
        let events = try await events(result.stdout)
        #expect(events.first?["event"] as? String == "run_started")
        #expect(events.last?["event"] as? String == "run_finished")
        #expect(events.last?["status"] as? String == "SUCCESSFUL")
        #expect(events.filter { $0["event"] as? String == "batch_started" }.count == 5)
        let finished = events.filter { $0["event"] as? String == "step_finished" }
        #expect(finished.count == 20)
        #expect(finished.allSatisfy { $0["status"] as? String == "ok" && $0["exit"] as? Int == 0 })
        #expect(events.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true })
        #expect(try await releases().values.allSatisfy { $0 == "v2" })
    }

    @Test func aHostThatCannotBeReachedGivesItsErrorCodeInTheJSONEvents() async throws {
        try Testbed.ensureUp()
        let inventory = directory + "/inventory.ini"
        // Nothing listens on 127.0.250.250:22: the connection is refused at once, without a timeout.
        try Testbed.inventory([("host001", "127.0.1.1"), ("ghost", "127.0.250.250")])
            .write(toFile: inventory, atomically: true, encoding: .utf8)
        let path = directory + "/touch.yml"
        try """
        name: Touch
        change: { type: routine }
        stages:
          - name: Touch
            hosts: all
            max_fail_percentage: 100
            steps:
              - run: "true"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await drover([
            "run", path, "-i", inventory, "--yes", "--output", "json", "--connect-timeout", "3s",
            "--journal", directory + "/journal.sqlite",
        ])
        let finished = try await events(result.stdout).filter { $0["event"] as? String == "step_finished" }
        let ghost = try #require(finished.first { $0["host"] as? String == "ghost" }, "\(result.stdout)\(result.stderr)")
        let error = try #require(ghost["error"] as? [String: Any])
        #expect(error["code"] as? String == "unreachable")
        #expect((error["message"] as? String)?.contains("127.0.250.250:22") == true)
        #expect(finished.first { $0["host"] as? String == "host001" }?["error"] == nil)
    }

    @Test func oneFailureWithinTheBudgetIsPartialExitThree() async throws {
        try Testbed.ensureUp()
        let result = try await drover([
            "run", try await playbook(failOn: ["host004"], maxFailPercentage: 50), "-i", Testbed.inventoryPath, "--yes",
        ])
        // 1 of 2 = 50% is not more than 50%: host004 alone is rolled back and the run goes on.
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("host004  FAILED  check: command"))
        #expect(result.stdout.contains("PARTIAL (exit 3): 1 host failed within the failure budget"))
        let releases = try await releases()
        #expect(releases["host004"] == "v1")
        #expect(releases.filter { $0.value == "v2" }.count == 9)
    }

    @Test func failuresOverTheThresholdRollBackAndExitTwo() async throws {
        try Testbed.ensureUp()
        let result = try await drover(["run", try await playbook(failOn: ["host005"]), "-i", Testbed.inventoryPath, "--yes"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("!! HALT stage 'Roll out v2': batch 3: 1 of 2 hosts failed = 50% > max_fail_percentage 20%"))
        #expect(result.stdout.contains("ROLLED BACK (exit 2)"))
        let releases = try await releases()
        // Batches 1–3 were rolled back; the later hosts were never touched.
        #expect((1...6).allSatisfy { releases[String(format: "host%03d", $0)] == "v1" }, "\(releases)")
        #expect((7...10).allSatisfy { releases[String(format: "host%03d", $0)] == "none" }, "\(releases)")
        // The journal's maintenance log of that run shows the decision and every rolled-back host.
        let log = try await drover(["log"])
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.stdout.contains("decision: HALT stage 1 'Roll out v2' (max_fail_percentage) — batch 3: 1 of 2 hosts failed"))
        #expect(log.stdout.contains("Final status:    ROLLED BACK"))
        for host in (1...6).map({ String(format: "host%03d", $0) }) {
            #expect(log.stdout.contains("\(host) rolled back"), "\(host)")
        }
    }

    @Test func aTerminalGetsALiveStatusLineAndAPipeGetsPlainLines() async throws {
        try Testbed.ensureUp()
        let binary =
            ProcessInfo.processInfo.environment["DROVER_BINARY"] ?? Testbed.repositoryRoot + "/.build/debug/drover"
        let path = try await playbook()
        let command = [binary, "run", path, "-i", Testbed.inventoryPath, "--yes"].map { "'\($0)'" }
            .joined(separator: " ")
        // `script` runs drover on a pseudo-terminal, as a person at a terminal would.
        let terminal = try await Subprocess.run(
            "/usr/bin/script", ["-qfec", command, directory + "/typescript"],
            environment: ["HOME": directory, "TERM": "xterm", "COLUMNS": "200"], timeout: .seconds(120))
        #expect(terminal.status == 0, "\(terminal.stdout)")
        #expect(terminal.stdout.contains("\r\u{1B}[K[stage 1 'Roll out v2' · batch 1/5] 0/2 done, 1 running, 0 failed"))
        #expect(terminal.stdout.contains("SUCCESSFUL (exit 0)"))
        let piped = try await drover(["run", path, "-i", Testbed.inventoryPath, "--yes"])
        #expect(piped.status == 0)
        #expect(!piped.stdout.contains("\u{1B}"))
        _ = try await releases()
    }

    @Test func invalidPlaybookExitsSixtyFourNamingTheLine() async throws {
        let path = directory + "/bad.yml"
        try "name: x\nstages:\n  - name: a\n    hosts: all\n    steps:\n      - run: true\n        tiemout: 5s\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await drover(["run", path, "-i", Testbed.repositoryRoot + "/Inventory/testbed.ini", "--yes"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(path):7:9: unknown key 'tiemout' in a step; did you mean 'timeout'?"))
    }

    @Test func planShowsBatchesAndResolvedStepsWithoutConnecting() async throws {
        let result = try await drover([
            "plan", Testbed.repositoryRoot + "/Playbooks/demo-rolling-update.yml", "-i",
            Testbed.repositoryRoot + "/Inventory/testbed.ini", "-e", "release=3.0.0",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Stage 4 'Roll out 3.0.0' — hosts: app → 16 hosts, 5 batches [2, 4, 4, 4, 2]"))
        #expect(result.stdout.contains("1. run: for h in host005 host006; do sed -i"))
        #expect(result.stdout.contains("[on host001]"))
        #expect(result.stdout.contains("run: /srv/host/app/demo-app.sh install 3.0.0"))
        let json = try await drover([
            "plan", Testbed.repositoryRoot + "/Playbooks/demo-rolling-update.yml", "-i",
            Testbed.repositoryRoot + "/Inventory/testbed.ini", "--output", "json",
        ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let stages = try #require(object["stages"] as? [[String: Any]])
        let batches = try #require(stages[3]["batches"] as? [[String: Any]])
        #expect(batches.map { ($0["hosts"] as? [String])?.count ?? 0 } == [2, 4, 4, 4, 2])
    }

    /// 16 app hosts in batches of 4, each watched 30s after its steps, then every 30s for 1m: 1m30s a batch, 6m of
    /// analysis, where the change estimates 1m; a go-ahead after batch 1.
    @Test func planShowsAnalysisAndPausePointsAndAnEstimateShorterThanTheSoak() async throws {
        let path = directory + "/watched.yml"
        try """
        name: Watched rollout
        change: { type: routine, estimate: 1m }
        stages:
          - name: Roll out
            hosts: app
            serial: 4
            analysis:
              initial_delay: 30s
              duration: 1m
              interval: 30s
              metrics:
                - { name: errors, prometheus: { url: "http://127.0.0.1:9090", query: 'up{instance=~"{{ batch.regex }}"}' }, min: 1 }
            pause: { prompt: Look at the canary, timeout: 10m, when: batch.index == 1 }
            steps:
              - run: "true"

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let inventory = Testbed.repositoryRoot + "/Inventory/testbed.ini"
        let result = try await drover(["plan", path, "-i", inventory])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "  the estimate 1m00s is shorter than the analysis soak of the planned batches (6m00s): overrun judges "
                    + "the run by 6m00s"), "\(result.stdout)")
        #expect(lines.filter { $0.hasPrefix("    analysis (before after_batch): every 30.00s for 1m00s (3 measurements)") }.count == 4)
        #expect(lines.contains { $0.hasPrefix("      1. errors: ") && $0.contains(#"up{instance=~"^(?:host005|127\\.0\\.1\\.5|host006|"#) })
        #expect(lines.filter { $0.hasPrefix("    pause for a go-ahead: 'Look at the canary' — waits up to 10m00s") }.count == 1)
        let json = try await drover(["plan", path, "-i", inventory, "--output", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["analysis_soak_ms"] as? Int == 360_000)
    }

    @Test func validateAcceptsEveryShippedFileAndReportsEveryErrorOfABadOne() async throws {
        let root = Testbed.repositoryRoot
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/Playbooks")
            .filter { $0.hasSuffix(".yml") && !$0.hasPrefix("demo-") }.map { root + "/Playbooks/" + $0 }
        let good = try await drover(["validate"] + files + [root + "/Inventory/policy.yml", "-i", root + "/Inventory/production.ini"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("policy.yml: ok (policy"))
        let path = directory + "/bad.yml"
        try """
        name: x
        change: { type: normal, id: RFC-26-1 }
        stages:
          - name: a
            hosts: nosuchgroup
            serial: "150%"
            steps:
              - run: echo {{ relase }}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try await drover(["validate", path])
        #expect(bad.status == 64)
        let lines = bad.stderr.split(separator: "\n")
        #expect(lines.count >= 2, "\(bad.stderr)")
        #expect(lines.allSatisfy { $0.hasPrefix(path + ":") })
    }
}

extension RunCommandTests {
    @Test func compoundWhenConditionsChooseTheHostsAStepRunsOn() async throws {
        try Testbed.ensureUp()
        let path = directory + "/when.yml"
        try """
        name: Conditions
        vars:
          release: "2.1"
          canary: false
        stages:
          - name: Conditional steps
            hosts: host00[1-4]
            steps:
              - run: mkdir -p \(root) && echo first > \(root)/marks
                when: release == '2.1' and (canary or host.name == 'host002' or host.name == 'host003')
              - run: mkdir -p \(root) && echo second >> \(root)/marks
                when:
                  - release is defined
                  - not (host.name == 'host003' or host.name == 'host004')
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await drover(["run", path, "-i", Testbed.inventoryPath, "--yes", "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let skipped = try await events(result.stdout).filter { $0["status"] as? String == "skipped" }
        #expect(
            skipped.first { $0["host"] as? String == "host004" && $0["step"] as? Int == 2 }?["reason"] as? String
                == "when: release is defined and not (host.name == 'host003' or host.name == 'host004') does not hold")
        let marks = try await drover([
            "exec", "-i", Testbed.inventoryPath, "--limit", "host00[1-4]", "--output", "json", "--",
            "cat \(root)/marks 2>/dev/null | tr '\\n' ' '; rm -rf \(root)",
        ])
        var byHost: [String: String] = [:]
        for line in marks.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            byHost[object["host"] as! String] = object["stdout"] as? String
        }
        #expect(byHost == ["host001": "second ", "host002": "first second ", "host003": "first ", "host004": ""])
    }
}
