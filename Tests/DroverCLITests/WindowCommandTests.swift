import DroverTestSupport
import Foundation
import Testing

/// `drover window`, `drover calendar`, `drover plan` and `drover run` against a policy, at fixed instants.
@Suite("drover window and the run gate", .timeLimit(.minutes(2)))
struct WindowCommandTests {
    let droverHome = NSTemporaryDirectory() + "drover-home-" + UUID().uuidString

    private func drover(_ arguments: String...) async throws -> Subprocess.Result {
        let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
            ?? Testbed.repositoryRoot + "/.build/debug/drover"
        // A journal of its own: runs of concurrent tests on the same hosts would otherwise meet each other's locks.
        return try await Subprocess.run(binary, arguments, environment: ["DROVER_HOME": droverHome], timeout: .seconds(90))
    }

    private var examplePolicy: String { Testbed.repositoryRoot + "/Inventory/policy.yml" }

    @Test(arguments: [
        ("2026-11-22T03:00:00Z", Int32(0),
         "production at Sun 2026-11-22 03:00 UTC: open: inside window 'Primary'; closes Sun 2026-11-22 05:00 UTC (in 2h) when blackout 'Morning order rush' begins."),
        ("2026-11-29T03:00:00Z", 4,
         "production at Sun 2026-11-29 03:00 UTC: closed: inside blackout 'Month-end close'; next opening: window 'Secondary' at Wed 2026-12-02 02:00 UTC (in 2d 23h), until Wed 2026-12-02 04:00 UTC."),
        ("2026-11-23T12:00:00Z", 4,
         "production at Mon 2026-11-23 12:00 UTC: closed: outside every maintenance window; next opening: window 'Secondary' at Wed 2026-11-25 02:00 UTC (in 1d 14h), until Wed 2026-11-25 04:00 UTC."),
    ])
    func windowExitsZeroWhenOpenAndFourWhenClosed(_ at: String, _ status: Int32, _ line: String) async throws {
        let result = try await drover("window", "--env", "production", "--policy", examplePolicy, "--at", at)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stdout == line + "\n")
    }

    @Test func windowReadsTheEnvironmentFromTheInventoryAndPrintsJSON() async throws {
        let result = try await drover(
            "window", "-i", Testbed.repositoryRoot + "/Inventory/staging.ini", "--at", "2026-11-29T00:30:00Z",
            "--output", "json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["environment"] as? String == "staging")
        #expect(object["rule"] as? String == "window:Late")
        #expect(object["closes_at"] as? String == "2026-11-29T01:30:00Z")
    }

    @Test func anEnvironmentThePolicyDoesNotNameIsUnrestricted() async throws {
        let result = try await drover("window", "--env", "qa", "--policy", examplePolicy, "--at", "2026-11-29T03:00:00Z")
        #expect(result.status == 0)
        #expect(result.stdout.contains("the policy does not name this environment: no time restrictions"))
    }

    @Test func calendarExportsICalendarEventsForWindowsAndBlackouts() async throws {
        let result = try await drover(
            "calendar", "--env", "production", "--policy", examplePolicy, "--from", "2026-11-21", "--days", "9",
            "--output", "ics")
        #expect(result.status == 0, "\(result.stderr)")
        let ics = result.stdout
        #expect(ics.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
        #expect(ics.hasSuffix("END:VCALENDAR\r\n"))
        let lines = ics.components(separatedBy: "\r\n").dropLast()
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == lines.filter { $0 == "END:VEVENT" }.count)
        // Sunday's Primary window, the Kuwait monthly window on Saturday evening UTC, and a morning rush blackout.
        #expect(ics.contains("DTSTART:20261122T020000Z\r\nDTEND:20261122T060000Z\r\nSUMMARY:Maintenance window: Primary (production)"))
        #expect(ics.contains("DTSTART:20261121T210000Z\r\nDTEND:20261122T010000Z\r\nSUMMARY:Maintenance window: Monthly patching (production)"))
        #expect(ics.contains("DTSTART:20261123T050000Z\r\nDTEND:20261123T070000Z\r\nSUMMARY:BLACKOUT: Morning order rush (production)"))
        #expect(ics.contains("SUMMARY:BLACKOUT: Month-end close (production)"))
    }

    @Test func calendarMarksWindowsCutOrBlockedAndFreezes() async throws {
        let result = try await drover(
            "calendar", "--env", "production", "--policy", examplePolicy, "--from", "2026-11-21", "--days", "9")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("Sat 2026-11-21  window 'Monthly patching' 21:00–01:00+1 (Asia/Kuwait): open"))
        #expect(lines.contains("Sun 2026-11-22  window 'Primary' 02:00–06:00: open 02:00–05:00 (cut by 'Morning order rush')"))
        #expect(lines.contains("Sun 2026-11-29  FREEZE 'Month-end close' all day; window 'Primary' 02:00–06:00: BLOCKED by 'Month-end close'"))
        #expect(lines.count == 10)
    }

    // MARK: - drover run and plan against the testbed

    /// A policy for the testbed inventory's environment (`testbed`): nightly window, and a Monday blackout.
    private func scratch() async throws -> (directory: String, policy: String, playbook: String, marker: String) {
        let directory = NSTemporaryDirectory() + "drover-window-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let policy = directory + "/policy.yml"
        try """
            timezone: UTC
            environments:
              testbed:
                windows:
                  - { name: Nightly, days: daily, start: "22:00", end: "23:00" }
                blackouts:
                  - { name: Monday freeze, days: [mon], start: "00:00", end: "24:00" }
            """.write(toFile: policy, atomically: true, encoding: .utf8)
        let marker = "/srv/host/window-cli-\(UUID().uuidString.prefix(8))"
        let playbook = directory + "/touch.yml"
        try """
            name: Touch a marker
            change:
              type: routine
              estimate: 1m
            stages:
              - name: Touch
                hosts: host005:host006
                steps:
                  - run: mkdir -p \(marker) && touch \(marker)/done
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        return (directory, policy, playbook, marker)
    }

    @Test func runOutsideItsWindowIsRefusedWithExitFourAndTouchesNoHost() async throws {
        try Testbed.ensureUp()
        let files = try await scratch()
        let result = try await drover(
            "run", files.playbook, "-i", Testbed.inventoryPath, "--policy", files.policy, "--yes",
            "--now", "2026-11-24T12:00:00Z")
        #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stdout.contains(
                "\nREFUSED: outside every maintenance window in testbed at Tue 2026-11-24 12:00 UTC; next opening: "
                    + "window 'Nightly' at Tue 2026-11-24 22:00 UTC (in 10h), until Tue 2026-11-24 23:00 UTC\n"))
        #expect(result.stdout.contains("REFUSED (exit 4)"))
        let check = try await drover("exec", "-i", Testbed.inventoryPath, "--limit", "host005:host006", "--", "test ! -e \(files.marker)")
        #expect(check.status == 0, "a refused run touched a host: \(check.stdout)")

        let tooFar = try await drover(
            "run", files.playbook, "-i", Testbed.inventoryPath, "--policy", files.policy, "--yes",
            "--now", "2026-11-24T12:00:00Z", "--wait-for-window", "--max-wait", "2h")
        #expect(tooFar.status == 4)
        #expect(tooFar.stdout.contains("that is further away than --max-wait 2h"))
    }

    @Test func waitForWindowSleepsUntilTheOpeningThenRuns() async throws {
        try Testbed.ensureUp()
        let files = try await scratch()
        // Two seconds before Tuesday's Nightly window opens: the run waits for it, then goes ahead.
        let result = try await drover(
            "run", files.playbook, "-i", Testbed.inventoryPath, "--policy", files.policy, "--yes", "--output", "json",
            "--now", "2026-11-24T21:59:58Z", "--wait-for-window", "--max-wait", "1h")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let events = try result.stdout.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let names = events.compactMap { $0["event"] as? String }
        #expect(Array(names.prefix(3)) == ["run_started", "waiting_for_window", "policy_checked"])
        #expect(events.first { $0["event"] as? String == "waiting_for_window" }?["window"] as? String == "Nightly")
        #expect(events.first { $0["event"] as? String == "policy_checked" }?["allowed"] as? Bool == true)
        #expect(events.last?["status"] as? String == "SUCCESSFUL")
        let check = try await drover(
            "exec", "-i", Testbed.inventoryPath, "--limit", "host005:host006", "--", "test -e \(files.marker)/done && rm -rf \(files.marker)")
        #expect(check.status == 0)
    }

    @Test func emergencyOverrideRunsInABlackoutAndIsRecordedInJSONEvents() async throws {
        try Testbed.ensureUp()
        let files = try await scratch()
        let result = try await drover(
            "run", files.playbook, "-i", Testbed.inventoryPath, "--policy", files.policy, "--yes", "--output", "json",
            "--now", "2026-11-23T22:30:00Z", "--emergency", "--reason", "CVE-2026-0001 exploited",
            "--approved-by", "On-call lead")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let events = try result.stdout.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let names = events.compactMap { $0["event"] as? String }
        #expect(Array(names.prefix(3)) == ["run_started", "policy_checked", "emergency_override"])
        let override = try #require(events.first { $0["event"] as? String == "emergency_override" })
        #expect(override["reason"] as? String == "CVE-2026-0001 exploited")
        #expect(override["approved_by"] as? String == "On-call lead")
        #expect(override["overrides"] as? String == "blackout:Monday freeze")
        #expect(events.last?["status"] as? String == "SUCCESSFUL")
        let check = try await drover("exec", "-i", Testbed.inventoryPath, "--limit", "host005:host006", "--", "test -e \(files.marker)/done")
        #expect(check.status == 0)
        _ = try? await drover("exec", "-i", Testbed.inventoryPath, "--limit", "host005:host006", "--", "rm -rf \(files.marker)")
    }

    @Test func planShowsTheVerdictForThePlannedStart() async throws {
        let files = try await scratch()
        let result = try await drover(
            "plan", files.playbook, "-i", Testbed.inventoryPath, "--policy", files.policy, "--at", "2026-11-24T22:15:00Z")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "  policy: open: inside window 'Nightly'; closes Tue 2026-11-24 23:00 UTC (in 45m) when window 'Nightly' ends."))
    }
}
