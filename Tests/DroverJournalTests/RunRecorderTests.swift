import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization
import Testing

/// The recorder's group commit, numbering and fencing: every `record` returns once its event is durable and says
/// whether its step may start; events that arrive while a write is in flight go together in the next one, in order.
@Suite struct RunRecorderTests {
    let run = JournalFixtures.record().id
    let events = JournalFixtures.rolledBackRun

    @Test func everyRecordReturnsOnceItsEventIsInTheJournal() async throws {
        let journal = InMemoryJournal.make()
        try await journal.begin(JournalFixtures.record())
        let recorder = RunRecorder(journal: journal, run: run) { error in Issue.record("write failed: \(error)") }
        let run = self.run
        await withTaskGroup(of: Void.self) { group in
            for event in events {
                group.addTask {
                    let answer = await recorder.record(event)
                    #expect(answer == .durable)
                    let stored = (try? await journal.events(run: run).map(\.payload)) ?? []
                    #expect(stored.contains(try! JournalEntry.event(event).canonicalPayload()))
                }
            }
        }
        #expect(try await journal.events(run: run).count == events.count)
        #expect(try await journal.verify(run: run).allSatisfy(\.isIntact))
        #expect(!recorder.hasFailed)
    }

    @Test func eventsQueuedDuringAWriteAreWrittenTogetherInOrder() async throws {
        let journal = GatedJournal()
        try await journal.begin(JournalFixtures.record())
        let recorder = RunRecorder(journal: journal, run: run) { error in Issue.record("write failed: \(error)") }

        recorder.submit(events[0])
        await journal.firstWriteEntered()  // the writer now holds events[0] at the gate
        for event in events[1...10] { recorder.submit(event) }
        journal.openGate()
        await recorder.flush()

        #expect(journal.writeSizes == [1, 10])
        let stored = try await journal.events(run: run).map(\.payload)
        #expect(stored == (try events[0...10].map { try JournalEntry.event($0).canonicalPayload() }))
        #expect(try await journal.verify(run: run).allSatisfy(\.isIntact))
    }

    @Test func aFailedWriteIsReportedOnceAndAnsweredFailed() async throws {
        let journal = InMemoryJournal.make()
        let failures = Mutex<[JournalError]>([])
        // No run begun: every append fails (unknown run).
        let recorder = RunRecorder(journal: journal, run: run) { error in failures.withLock { $0.append(error) } }
        let first = await recorder.record(events[0])
        let second = await recorder.record(events[1])
        guard case .failed(let reason) = first, case .failed = second else {
            Issue.record("expected failures, got \(first), \(second)")
            return
        }
        #expect(reason.contains(run))
        #expect(recorder.hasFailed)
        #expect(failures.withLock { $0.count } == 1)
    }

    @Test func aWriteWhoseAcknowledgementWasLostIsRetriedWithoutWritingItTwice() async throws {
        let journal = LostAcknowledgementJournal()
        try await journal.begin(JournalFixtures.record())
        let recorder = RunRecorder(journal: journal, run: run) { error in Issue.record("reported: \(error)") }
        #expect(await recorder.record(events[0]) == .durable)
        #expect(await recorder.record(events[1]) == .durable)
        #expect(journal.attempts == 3)
        let stored = try await journal.events(run: run)
        #expect(stored.map(\.kind) == ["run_started", "stage_started"])
        #expect(try await journal.verify(run: run).allSatisfy(\.isIntact))
        #expect(!recorder.hasFailed)
    }

    @Test func aForeignNoteInTheChainIsWrittenAroundNotOver() async throws {
        let journal = InMemoryJournal.make()
        try await journal.begin(JournalFixtures.record())
        let recorder = RunRecorder(journal: journal, run: run) { error in Issue.record("write failed: \(error)") }
        #expect(await recorder.record(events[0]) == .durable)
        // Another process (drover unlock) appends into the run's chain between two of the recorder's writes.
        try await journal.append(.note(JournalNote(kind: .lockBroken, text: "bob broke a lease", by: "bob")), run: run)
        #expect(await recorder.record(events[1]) == .durable)
        #expect(await recorder.record(events[2]) == .durable)
        let stored = try await journal.events(run: run)
        #expect(stored.map(\.kind) == ["run_started", "lock_broken", "stage_started", "batch_started"])
        #expect(try await journal.verify(run: run).allSatisfy(\.isIntact))
    }

    @Test func aStepOnAMachineWhoseLeaseWasBrokenIsRefusedAndTheRestIsWritten() async throws {
        let clock = SteppingClock(start: JournalFixtures.start, step: 0)
        let journal = InMemoryJournal.make(clock: clock)
        try await journal.begin(JournalFixtures.record())
        let holder = LeaseHolder(run: run, operator: "alice", controller: "ctl1", pid: 4242)
        let fence = LeaseFence(holder: holder, machines: ["app1": "10.0.0.1:22", "app2": "10.0.0.2:22"])
        #expect(try await journal.acquireLeases(LeaseRequest(holder: holder, targets: fence.targets)).isEmpty)
        let recorder = RunRecorder(journal: journal, run: run, fence: fence) { error in
            Issue.record("write failed: \(error)")
        }
        #expect(await recorder.record(events[0]) == .durable)
        let app2 = try #require(try await journal.leases().first { $0.machine == "10.0.0.2:22" })
        #expect(try await journal.breakLeases([app2], by: "bob").count == 1)

        let app1Step = StepRef(stage: 0, batch: 0, phase: .steps, step: 0, name: "switch", host: "app1")
        let app2Step = StepRef(stage: 0, batch: 0, phase: .steps, step: 0, name: "switch", host: "app2")
        // In one round or two, the fenced one is dropped and the other written.
        let answers = await withTaskGroup(of: (String, Recorded).self) { group in
            group.addTask { ("app1", await recorder.record(.stepStarted(app1Step))) }
            group.addTask { ("app2", await recorder.record(.stepStarted(app2Step))) }
            return await group.reduce(into: [String: Recorded]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers["app1"] == .durable)
        guard case .leaseLost(let reason) = answers["app2"] else {
            Issue.record("app2's step was not refused: \(String(describing: answers["app2"]))")
            return
        }
        #expect(reason.contains("bob broke the lease on app2 (10.0.0.2:22)"), "\(reason)")
        // Later steps there are refused without asking the journal; a step delegated to a host the run does not
        // lease is not fenced.
        #expect(await recorder.record(.stepStarted(app2Step)) == .leaseLost(reason: reason))
        var delegated = app2Step
        delegated.delegatedTo = "lb1"
        #expect(await recorder.record(.stepStarted(delegated)) == .durable)
        let started = try await journal.events(run: run).filter { $0.kind == "step_started" }
        #expect(started.count == 2)
        #expect(!recorder.hasFailed)
    }
}

/// The in-memory journal whose first append commits and then fails as a dropped connection would: the writer
/// cannot know it committed.
private final class LostAcknowledgementJournal: JournalWrapper {
    let base: any Journal = InMemoryJournal.make()
    private let count = Mutex(0)

    var attempts: Int { count.withLock { $0 } }

    func append(_ entries: [JournalEntry], run: String, at sequence: Int?, fence: LeaseFence?) async throws
        -> [JournalEvent]
    {
        let stored = try await base.append(entries, run: run, at: sequence, fence: fence)
        let first = count.withLock { count in
            count += 1
            return count == 1
        }
        if first { throw JournalError(.writeFailed, "journal: the connection dropped after the commit was sent") }
        return stored
    }
}

/// The in-memory journal, with its batch writes counted and the first one held at a gate until the test opens it.
private final class GatedJournal: JournalWrapper {
    let base: any Journal = InMemoryJournal.make()
    private let sizes = Mutex<[Int]>([])
    private let entered = AsyncGate()
    private let gate = AsyncGate()

    var writeSizes: [Int] { sizes.withLock { $0 } }

    /// Waits until the first batch write has started.
    func firstWriteEntered() async { await entered.wait() }

    func openGate() { gate.open() }

    func append(_ entries: [JournalEntry], run: String, at sequence: Int?, fence: LeaseFence?) async throws
        -> [JournalEvent]
    {
        let first = sizes.withLock { sizes in
            sizes.append(entries.count)
            return sizes.count == 1
        }
        if first {
            entered.open()
            await gate.wait()
        }
        return try await base.append(entries, run: run, at: sequence, fence: fence)
    }
}
