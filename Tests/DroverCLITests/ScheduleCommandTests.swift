import DroverTestSupport
import Foundation
import Testing

/// `drover schedule` and the calendar's planned runs, through the binary: no host is contacted (a plan only
/// reads files and the journal), so no testbed lock is needed.
@Suite("drover schedule", .timeLimit(.minutes(2)))
struct ScheduleCommandTests {
    let directory = NSTemporaryDirectory() + "drover-schedule-" + UUID().uuidString

    private func drover(_ arguments: String...) async throws -> Subprocess.Result {
        let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
            ?? Testbed.repositoryRoot + "/.build/debug/drover"
        return try await Subprocess.run(
            binary, arguments + ["--journal", directory + "/journal.sqlite"], environment: ["DROVER_HOME": directory],
            timeout: .seconds(90))
    }

    private var inventory: String { Testbed.repositoryRoot + "/Inventory/production.ini" }
    /// Tuesday 2026-12-01 12:00 UTC: the next production window is Wednesday's 'Secondary', 02:00–04:00 UTC.
    private let now = "2026-12-01T12:00:00Z"

    private func playbook() throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/kernel.yml"
        try """
            name: Kernel update
            change:
              type: routine
              id: RFC-2026-0042
              estimate: 45m
              title: Kernel 6.12 on the app tier
              impact: one app server out of the pool at a time
              contact: "#ops-oncall"
            stages:
              - name: Update
                hosts: app
                serial: 1
                steps:
                  - run: echo update
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aPlannedRunIsListedAndFollowedByTheCalendarExportUntilCancelled() async throws {
        let play = try playbook()
        let planned = try await drover("schedule", play, "-i", inventory, "--at", "2026-12-02 02:00", "--now", now)
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(planned.stdout.hasPrefix("scheduled S-RFC-2026-0042 'Kernel 6.12 on the app tier' in production: Wed 2026-12-02 02:00 UTC (window 'Secondary'"))

        let list = try await drover("schedule", "--list", "--output", "json", "--now", now)
        #expect(list.status == 0, "\(list.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "SCHEDULED")
        #expect(object["start"] as? String == "2026-12-02T02:00:00Z")
        #expect(object["end"] as? String == "2026-12-02T04:00:00Z")
        #expect(object["contact"] as? String == "#ops-oncall")

        func export() async throws -> String {
            let result = try await drover(
                "calendar", "--env", "production", "-i", inventory, "--from", "2026-12-01", "--days", "14", "--output", "ics")
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        let first = try await export()
        #expect(first.contains("UID:schedule-S-RFC-2026-0042@drover\r\n"))
        #expect(first.contains("SEQUENCE:0\r\nSTATUS:CONFIRMED\r\nDTSTART:20261202T020000Z\r\nDTEND:20261202T024500Z\r\n"))
        #expect(first.contains("SUMMARY:[production] Maintenance: Kernel 6.12 on the app tier\r\n"))

        let moved = try await drover("schedule", play, "-i", inventory, "--at", "2026-12-09T02:00Z", "--now", now)
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(try await export().contains("SEQUENCE:1\r\nSTATUS:CONFIRMED\r\nDTSTART:20261209T020000Z"))

        let cancelled = try await drover("schedule", "--cancel", "S-RFC-2026-0042", "--reason", "vendor withdrew the patch", "--now", now)
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(cancelled.stdout.contains("next opening: window 'Secondary' at Wed 2026-12-02 02:00 UTC"))
        let last = try await export()
        #expect(last.contains("UID:schedule-S-RFC-2026-0042@drover\r\n"))
        #expect(last.contains("SEQUENCE:2\r\nSTATUS:CANCELLED\r\n"))
        // One event for the change throughout, never a second.
        #expect(last.components(separatedBy: "UID:schedule-").count == 2)
    }

    @Test func aTimeThePolicyRefusesIsRefusedWithItsSentenceAndNothingIsPlanned() async throws {
        let play = try playbook()
        let refused = try await drover("schedule", play, "-i", inventory, "--at", "2026-12-01 13:00", "--now", now)
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("REFUSED: outside every maintenance window in production"), "\(refused.stderr)")
        let list = try await drover("schedule", "--list")
        #expect(list.stdout.hasPrefix("no planned runs"))
    }

    @Test func listingAndCancellingTakeNoInventory() async throws {
        let wrong = try await drover("schedule", "--list", "-i", inventory)
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("go with a PLAYBOOK"))
        let noReason = try await drover("schedule", "--cancel", "S-1")
        #expect(noReason.status == 64)
        #expect(noReason.stderr.contains("--cancel needs --reason"))
    }

    @Test func notifyDueSendsEachDueNoticeOnceEvenWhenTwoRunAtOnce() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let play = try playbook()
        try """
            [app]
            app1 ansible_host=127.0.0.1
            [all:vars]
            drover_environment=prod
            """.write(toFile: directory + "/hosts.ini", atomically: true, encoding: .utf8)
        try """
            timezone: UTC
            environments:
              prod:
                windows:
                  - { name: Sunday, days: [sun], start: "02:00", end: "06:00" }
            notify:
              advance: [72h, 1h]
              targets:
                - webhook: "\(receiver.url)"
                  events: [scheduled, advance, reminder, cancelled]
            """.write(toFile: directory + "/policy.yml", atomically: true, encoding: .utf8)
        let planned = try await drover(
            "schedule", play, "-i", directory + "/hosts.ini", "--at", "2026-11-29 02:00", "--now", "2026-11-24T12:00:00Z")
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(receiver.requests.map { $0.json?["event"] as? String } == ["scheduled"])

        // 71 hours before the start: the 72h notice is due. Two senders at the same moment send it once.
        async let first = drover("notify-due", "--now", "2026-11-26T03:00:00Z")
        async let second = drover("notify-due", "--now", "2026-11-26T03:00:00Z")
        let results = try await [first, second]
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(results.map(\.stdout).joined().components(separatedBy: "delivered").count == 2)
        let advance = try #require(receiver.requests.last?.json)
        #expect(receiver.requests.count == 2)
        #expect(advance["event"] as? String == "advance")
        #expect(advance["notice_ahead"] as? String == "72h")
        #expect(advance["scheduled_start"] as? String == "2026-11-29T02:00:00Z")
        #expect(advance["schedule_id"] as? String == "S-RFC-2026-0042")
        #expect((advance["text"] as? String)?.contains("Starts in 72h: 2026-11-29 02:00 UTC") == true)

        let again = try await drover("notify-due", "--now", "2026-11-26T03:05:00Z")
        #expect(again.status == 0)
        #expect(again.stdout.isEmpty)
        #expect(receiver.requests.count == 2)
    }
}
