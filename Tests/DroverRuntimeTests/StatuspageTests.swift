import DroverEngine
import DroverJournal
import DroverModel
import DroverNotify
import DroverRuntime
import DroverTestSupport
import Foundation
import Testing

/// The status page's scheduled maintenance from `drover schedule` to the run's end, against a local receiver that
/// checks every request against the documented Statuspage API and answers as it does.
@Suite struct StatuspageTests {
    /// A policy naming `receiver` with an environment variable of its own for the API key (set in this process for
    /// the senders to read; one per test, as tests run at once).
    static func files(_ receiver: StatuspageReceiver) throws -> SchedulerTests.Files {
        let keyVariable = "DROVER_TEST_STATUSPAGE_KEY_" + UUID().uuidString.prefix(8).uppercased().replacingOccurrences(of: "-", with: "")
        setenv(keyVariable, receiver.key, 1)
        let files = try SchedulerTests.Files()
        try files.harness.write(
            "policy.yml",
            SchedulerTests.policy + """

                notify:
                  targets:
                    - statuspage: "\(receiver.url)"
                      page_id: \(receiver.pageID)
                      token: \(keyVariable)
                      components: { app: cmpapp0001, db: cmpdb00001 }
                """)
        return files
    }

    @Test func aPlannedMaintenanceIsCreatedMovedSetInProgressAndCompletedByItsRun() async throws {
        let receiver = try StatuspageReceiver(components: ["cmpapp0001", "cmpdb00001"])
        defer { receiver.stop() }
        let files = try Self.files(receiver)
        let scheduler = files.scheduler
        let planned = try await scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        let told = try await scheduler.announce(planned, event: .scheduled)
        #expect(told.map(\.outcome.delivered) == [true], "\(told)")
        var incident = try #require(receiver.incidents.first)
        #expect(incident.status == "scheduled")
        #expect(incident.name == "[test] Maintenance: Kernel 6.12 on the app tier")
        #expect(incident.scheduledFor == "2026-11-29T02:00:00Z")
        #expect(incident.scheduledUntil == "2026-11-29T06:00:00Z")
        #expect(incident.componentIDs == ["cmpapp0001"])

        // Moved to the next Sunday: the same maintenance, moved.
        let moved = try await scheduler.schedule(files.request(.at("2026-12-06 02:00")))
        _ = try await scheduler.announce(moved, event: .scheduled)
        #expect(receiver.incidents.count == 1)
        incident = try #require(receiver.incidents.first)
        #expect(incident.scheduledFor == "2026-12-06T02:00:00Z")
        #expect(try await ScheduleBook.read(from: files.harness.journal).entries.first?.incidents == [0: incident.id])

        // Its run, in its window, sets it in progress, then completed.
        files.advance(hours: 11 * 24 + 14)  // Sunday 2026-12-06 02:00
        let outcome = try await AlertmanagerSilenceTests.coordinator(files.harness).run(
            RunRequest(playbookPath: files.playbook, inventoryPath: files.inventory, sshConfig: "none", runID: "r1"),
            stop: StopSignal())
        #expect(outcome.status == .successful)
        incident = try #require(receiver.incidents.first)
        #expect(receiver.incidents.count == 1)
        #expect(incident.status == "completed")
        #expect(incident.updates.contains { $0.hasPrefix("in_progress: Maintenance started") })
        #expect(incident.updates.last?.hasPrefix("completed: Maintenance completed") == true)
        #expect(receiver.violations.isEmpty, "\(receiver.violations)")
        let methods = receiver.requests.map { "\($0.method) \($0.path)" }
        #expect(methods.first == "POST /v1/pages/\(receiver.pageID)/incidents")
        #expect(methods.dropFirst().allSatisfy { $0 == "PATCH /v1/pages/\(receiver.pageID)/incidents/\(incident.id)" })
    }

    @Test func aCancelledPlanCompletesItsMaintenanceWithTheReason() async throws {
        let receiver = try StatuspageReceiver(components: ["cmpapp0001", "cmpdb00001"])
        defer { receiver.stop() }
        let files = try Self.files(receiver)
        let scheduler = files.scheduler
        let planned = try await scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        _ = try await scheduler.announce(planned, event: .scheduled)
        let (cancelled, opening) = try await scheduler.cancel(planned.plan.id, reason: "the vendor withdrew the patch")
        _ = try await scheduler.announce(cancelled, event: .cancelled, nextOpening: opening)
        let incident = try #require(receiver.incidents.first)
        #expect(incident.status == "completed")
        #expect(incident.updates.last?.contains("will not take place: the vendor withdrew the patch") == true)
        #expect(receiver.violations.isEmpty, "\(receiver.violations)")
    }

    @Test func theReceiverRefusesWhatTheAPIWouldAndTheFailureIsSaid() async throws {
        let receiver = try StatuspageReceiver()
        defer { receiver.stop() }
        let target = StatuspageTarget(url: receiver.url, pageID: receiver.pageID, token: "SOME_KEY")
        let sender = StatuspageSender(
            target: target, name: "[test] Maintenance: x", components: [], environment: { ["SOME_KEY": "not-the-key"] })
        let notice = RenderedNotice(Notice(event: .started, facts: RunFacts(runID: "r1")), text: "started")
        let error = await #expect(throws: NoticeDeliveryError.self) { try await sender.send(notice, timeout: .seconds(5)) }
        #expect(error?.message.contains("HTTP 401") == true)
        #expect(error?.retryable == false)
        #expect(receiver.violations.count == 1)
        #expect(receiver.incidents.isEmpty)
    }
}
