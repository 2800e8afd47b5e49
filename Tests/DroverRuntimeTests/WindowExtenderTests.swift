import DroverEngine
import DroverJournal
import DroverModel
@testable import DroverRuntime
import DroverTestSupport
import Foundation
import Synchronization
import Testing

/// `drover extend` against a run in the journal: journaled with who and why, refused past a blackout unless an
/// approved emergency, and read by the running controller's window-fit gate.
@Suite struct WindowExtenderTests {
    /// Sunday 2026-11-29 05:30 UTC, inside the 02:00–06:00 window; a blackout starts at 07:00.
    static let now = ISO8601DateFormatter().date(from: "2026-11-29T05:30:00Z")!
    static let windowEnd = ISO8601DateFormatter().date(from: "2026-11-29T06:00:00Z")!

    static let policy = """
        timezone: UTC
        environments:
          test:
            windows:
              - { name: Sunday, days: [sun], start: "02:00", end: "06:00" }
            blackouts:
              - { name: Morning rush, daily: "07:00-10:00" }
            change_types:
              emergency: { approval: true, override_blackouts: true }
        """

    struct Parts {
        let harness: RuntimeHarness
        let inventory: String

        init(status: RunStatus? = nil) async throws {
            harness = try RuntimeHarness(start: WindowExtenderTests.now)
            inventory = try harness.inventory([("app1", "10.0.0.1")])
            try harness.write("policy.yml", WindowExtenderTests.policy)
            try await harness.journal.begin(
                RunRecord(
                    id: "r1", playbook: "p", inventoryPath: inventory, environment: "test", operator: "alice",
                    startedAt: WindowExtenderTests.now))
            let check = PolicyCheck(
                environment: "test", allowed: true, rule: "window:Sunday", sentence: "open",
                closesAt: Int(WindowExtenderTests.windowEnd.timeIntervalSince1970))
            try await harness.journal.append(.event(.policyChecked(check)), run: "r1")
            if let status {
                try await harness.journal.append(.event(.runFinished(status: status, reason: "done", duration: .zero)), run: "r1")
            }
        }

        var extender: WindowExtender {
            WindowExtender(
                journal: harness.journal, identity: ControllerIdentity(operator: "bob", machine: "m", pid: 1),
                loader: RunLoader(homeDirectory: harness.directory, defaultUser: "root"))
        }
    }

    @Test func anExtensionIsJournaledWithWhoAndWhyAndStacks() async throws {
        let parts = try await Parts()
        let first = try await parts.extender.extend(run: "r1", by: .seconds(30 * 60), reason: "slow reindex", approvedBy: nil)
        #expect(first.from == Self.windowEnd)
        #expect(first.to == Self.windowEnd.addingTimeInterval(1800))
        let second = try await parts.extender.extend(run: "r1", by: .seconds(15 * 60), reason: "one more host", approvedBy: "CAB")
        #expect(second.from == first.to)
        let events = try await parts.harness.journal.events(run: "r1")
        #expect(WindowExtender.currentEnd(events) == Self.windowEnd.addingTimeInterval(2700))
        guard case .note(let note)? = try events.last?.entry() else { Issue.record("no note"); return }
        #expect(note.kind == .windowExtended)
        #expect(note.by == "bob")
        #expect(note.text.contains("one more host (approved by CAB)"))
    }

    @Test func anExtensionIntoABlackoutIsRefusedUnlessAnApprovedEmergency() async throws {
        let parts = try await Parts()
        let error = await #expect(throws: RuntimeError.self) {
            try await parts.extender.extend(run: "r1", by: .seconds(90 * 60), reason: "late", approvedBy: nil)
        }
        #expect(error?.exitCode == 4)
        #expect(error?.message.contains("runs into blackout 'Morning rush'") == true)
        #expect(WindowExtender.currentEnd(try await parts.harness.journal.events(run: "r1")) == Self.windowEnd)
        let emergency = try await parts.extender.extend(
            run: "r1", by: .seconds(90 * 60), reason: "the database must come back", approvedBy: "Incident commander")
        #expect(emergency.overridesBlackout == "Morning rush")
    }

    @Test func onlyARunningRunCanBeExtended() async throws {
        let finished = try await Parts(status: .successful)
        let error = await #expect(throws: RuntimeError.self) {
            try await finished.extender.extend(run: "r1", by: .seconds(600), reason: "x", approvedBy: nil)
        }
        #expect(error?.exitCode == 64)
        #expect(error?.message.contains("is not running (SUCCESSFUL)") == true)
        let unknown = await #expect(throws: RuntimeError.self) {
            try await finished.extender.extend(run: "nope", by: .seconds(600), reason: "x", approvedBy: nil)
        }
        #expect(unknown?.exitCode == 64)
    }

    @Test func theRunningControllersWindowFitGateReadsTheNewEnd() async throws {
        let parts = try await Parts()
        let head = try #require(try await parts.harness.journal.run("r1")).head.count
        let told = EventRecorder()
        let extensions = WindowExtensions(journal: parts.harness.journal, run: "r1", after: head) { window in
            _ = told.record(.notification(event: .extended, target: window.reason, delivered: true, error: nil))
        }
        // 30 minutes left; the first batch is expected to take 45.
        let gate = WindowFitGate(
            now: { Self.now }, closesAt: Self.windowEnd, closing: .windowEnds("Sunday"),
            firstBatchEstimate: .seconds(45 * 60), extendedEnd: { await extensions.latest() })
        let input = BatchGateInput(stage: 0, batch: 0, stageName: "s", hosts: ["app1"], measured: [], elapsed: .zero)
        #expect(await gate.beforeBatch(input)?.action == .stop)
        _ = try await parts.extender.extend(run: "r1", by: .seconds(30 * 60), reason: "approved overrun", approvedBy: nil)
        #expect(await gate.beforeBatch(input) == nil)
        #expect(told.all.count == 1)  // told once, however often the gate asks
        #expect(await gate.beforeBatch(input) == nil)
        #expect(told.all.count == 1)
    }

    @Test func anExtensionDuringALongBatchIsToldWithoutWaitingForTheNextBatch() async throws {
        let parts = try await Parts()
        let head = try #require(try await parts.harness.journal.run("r1")).head.count
        let told = Mutex<[WindowExtension]>([])
        let extensions = WindowExtensions(journal: parts.harness.journal, run: "r1", after: head) { window in
            told.withLock { $0.append(window) }
        }
        let clock = ManualClock()
        let watching = Task { await extensions.watch(every: .seconds(5), clock: clock) }
        defer { watching.cancel() }
        // No gate asks: the batch is still running.
        _ = try await parts.extender.extend(run: "r1", by: .seconds(30 * 60), reason: "slow disks", approvedBy: nil)
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        // Asleep again: it has read the chain.
        await clock.waitForSleepers(1)
        let window = told.withLock { $0.first }
        #expect(window?.reason == "slow disks")
        #expect(window?.to == Self.windowEnd.addingTimeInterval(30 * 60))
        #expect(await extensions.latest() == Self.windowEnd.addingTimeInterval(30 * 60))
        #expect(told.withLock { $0.count } == 1, "told once, by the watch or the gate")
    }
}
