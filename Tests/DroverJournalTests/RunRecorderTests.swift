import Dispatch
import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization
import Testing

/// The recorder's group commit: every `record` returns once its event is durable, and events that arrive while a
/// write is in flight go to the journal together in the next one, in order.
@Suite struct RunRecorderTests {
    let run = JournalFixtures.record().id
    let events = JournalFixtures.rolledBackRun

    @Test func everyRecordReturnsOnceItsEventIsInTheJournal() async throws {
        let journal = try InMemoryJournal.make()
        try journal.begin(JournalFixtures.record())
        let recorder = RunRecorder(journal: journal, run: run) { error in Issue.record("write failed: \(error)") }
        let run = self.run
        await withTaskGroup(of: Void.self) { group in
            for event in events {
                group.addTask {
                    await recorder.record(event)
                    let stored = (try? journal.events(run: run).map(\.payload)) ?? []
                    #expect(stored.contains(try! JournalEntry.event(event).canonicalPayload()))
                }
            }
        }
        #expect(try journal.events(run: run).count == events.count)
        #expect(try journal.verify(run: run).allSatisfy(\.isIntact))
        #expect(!recorder.hasFailed)
    }

    @Test func eventsQueuedDuringAWriteAreWrittenTogetherInOrder() async throws {
        let journal = try GatedJournal()
        try journal.begin(JournalFixtures.record())
        let recorder = RunRecorder(journal: journal, run: run) { error in Issue.record("write failed: \(error)") }

        recorder.submit(events[0])
        await journal.firstWriteEntered()  // the writer now holds events[0] at the gate
        for event in events[1...10] { recorder.submit(event) }
        journal.openGate()
        await recorder.flush()

        #expect(journal.writeSizes == [1, 10])
        let stored = try journal.events(run: run).map(\.payload)
        #expect(stored == (try events[0...10].map { try JournalEntry.event($0).canonicalPayload() }))
        #expect(try journal.verify(run: run).allSatisfy(\.isIntact))
    }

    @Test func aFailedWriteIsReportedOnceAndRecordStillReturns() async throws {
        let journal = try InMemoryJournal.make()
        let failures = Mutex<[JournalError]>([])
        // No run begun: every append fails (unknown run).
        let recorder = RunRecorder(journal: journal, run: run) { error in failures.withLock { $0.append(error) } }
        await recorder.record(events[0])
        await recorder.record(events[1])
        #expect(recorder.hasFailed)
        #expect(failures.withLock { $0.count } == 1)
        #expect(failures.withLock { $0.first?.description.contains(run) } == true)
    }
}

/// The in-memory journal, with its batch writes counted and the first one held at a gate until the test opens it.
private final class GatedJournal: Journal {
    private let base: SQLiteJournal
    private let sizes = Mutex<[Int]>([])
    private let entered = DispatchSemaphore(value: 0)
    private let gate = DispatchSemaphore(value: 0)

    init() throws { base = try InMemoryJournal.make() }

    var writeSizes: [Int] { sizes.withLock { $0 } }

    /// Waits (off the cooperative threads) until the first batch write has started.
    func firstWriteEntered() async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.entered.wait()
                continuation.resume()
            }
        }
    }

    func openGate() { gate.signal() }

    func append(_ entries: [JournalEntry], run: String) throws -> [JournalEvent] {
        let first = sizes.withLock { sizes in
            sizes.append(entries.count)
            return sizes.count == 1
        }
        if first {
            entered.signal()
            gate.wait()
        }
        return try base.append(entries, run: run)
    }

    func begin(_ run: RunRecord) throws { try base.begin(run) }
    func append(_ entry: JournalEntry, run: String) throws -> JournalEvent { try base.append(entry, run: run) }
    func run(_ id: String) throws -> RunRecord? { try base.run(id) }
    func runs(since: Date?) throws -> [RunRecord] { try base.runs(since: since) }
    func events(run: String) throws -> [JournalEvent] { try base.events(run: run) }
    func stepResults(run: String) throws -> [StepResult] { try base.stepResults(run: run) }
    func acquireLocks(_ request: LockRequest) throws -> [HostLock] { try base.acquireLocks(request) }
    func renewLocks(run: String, until: Date) throws { try base.renewLocks(run: run, until: until) }
    func releaseLocks(run: String) throws { try base.releaseLocks(run: run) }
    func breakLocks(hosts: [String], by operator: String) throws -> [HostLock] {
        try base.breakLocks(hosts: hosts, by: `operator`)
    }
    func locks() throws -> [HostLock] { try base.locks() }
}
