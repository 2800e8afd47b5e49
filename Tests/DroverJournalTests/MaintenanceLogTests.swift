import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The maintenance log rendered from the journal, against golden files beside this one.
@Suite struct MaintenanceLogTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func log() async throws -> MaintenanceLog {
        let journal = try await JournalFixtures.journalWithRolledBackRun()
        let id = JournalFixtures.record().id
        return MaintenanceLog(run: try #require(try await journal.run(id)), events: try await journal.events(run: id))
    }

    /// Set DROVER_UPDATE_GOLDEN=1 to rewrite the golden file after an intended change.
    private func compare(_ text: String, golden name: String) throws {
        let url = Self.fixtures.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["DROVER_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("golden file \(name) rewritten: check the diff and run again without DROVER_UPDATE_GOLDEN")
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected)
    }

    @Test func rolledBackRunRendersAsTheGoldenMarkdown() async throws {
        try compare(try await log().markdown(), golden: "rolled-back-run.md")
    }

    @Test func rolledBackRunShowsTheDecisionAndEveryRolledBackHost() async throws {
        let log = try await log()
        #expect(log.rolledBack == ["app3", "app1", "app2"])
        #expect(log.issues.contains { $0.text.contains("decision: HALT stage 2 'Roll out 2.4.1' (whole_batch_failed)") })
        #expect(log.preMaintenanceChecks.map(\.passed) == [3])
        #expect(log.verification.map(\.failedHosts) == [["app3"]])
        let text = log.text()
        #expect(text.contains("Final status:"))
        #expect(text.contains("ROLLED BACK"))
    }

    @Test func jsonLogHasEverySection() async throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(try await log().json().utf8)) as? [String: Any])
        for key in ["change", "window", "people", "pre_maintenance_checks", "execution", "issues", "verification", "completion"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect((object["completion"] as? [String: String])?["status"] == "ROLLED BACK")
    }

    @Test func runRecordFollowsItsEvents() async throws {
        let journal = try await JournalFixtures.journalWithRolledBackRun()
        let run = try #require(try await journal.run(JournalFixtures.record().id))
        #expect(run.status == .rolledBack)
        #expect(run.finishedAt != nil)
        #expect(run.head.count == JournalFixtures.rolledBackRun.count)
        let results = try await journal.stepResults(run: run.id)
        let health = try #require(results.first { $0.ref.host == "app3" && $0.ref.name == "Health gate" })
        #expect(health.status == .failed)
        #expect(health.exitStatus == 3)
        #expect(health.stderrTail == "health check timed out\n")
        #expect(health.attempts == 3)
    }

    @Test func reportCountsRatesAndVariance() {
        var quick = JournalFixtures.record("a", status: .successful)
        quick.duration = .seconds(30 * 60)
        var slow = JournalFixtures.record("b", status: .rolledBack)
        slow.duration = .seconds(90 * 60)
        var emergency = JournalFixtures.record("c", status: .successful)
        emergency.change.type = .emergency
        emergency.change.estimate = nil
        emergency.duration = .seconds(60)
        let live = JournalFixtures.record("d")
        let report = JournalReport(runs: [quick, slow, emergency, live], since: nil, environment: "production")
        #expect(report.overall.runs == 3)
        #expect(report.overall.successRate == 200.0 / 3)
        #expect(report.overall.rollbackRate == 100.0 / 3)
        #expect(report.overall.emergencies == 1)
        #expect(report.overall.estimated == 2)
        let expectedVariance: Double = ((-100.0 / 3) + 100) / 2
        #expect(abs((report.overall.averageVariancePercent ?? 0) - expectedVariance) < 1e-9)
        #expect(report.overall.overruns == 1)
        #expect(JournalReport(runs: [quick], since: nil, environment: "staging").overall.runs == 0)
    }
}
