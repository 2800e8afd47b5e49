import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization
import Testing

/// The recorder across a journal outage: nothing is written (so nothing new starts) while the journal cannot be
/// reached, what arrives meanwhile is held in order and written once it answers, nothing twice; past the timeout the
/// write fails and nothing more is written. Time is a fake the recorder's pauses move, so no test waits.
@Suite struct RunRecorderOutageTests {
    let run = JournalFixtures.record().id
    let events = JournalFixtures.rolledBackRun

    /// A patience whose clock moves only by the recorder's own pauses; `onPause` is told the total paused so far.
    func patience(_ timeout: Duration, onPause: @escaping @Sendable (Duration) -> Void = { _ in }) -> RunRecorder.Patience {
        let origin = ContinuousClock.now
        let paused = Mutex(Duration.zero)
        return RunRecorder.Patience(
            timeout: timeout, now: { origin.advanced(by: paused.withLock { $0 }) },
            sleep: { duration in
                let total = paused.withLock { paused in
                    paused += duration
                    return paused
                }
                onPause(total)
            })
    }

    @Test func eventsHeldDuringAnOutageAreWrittenInOrderOnceTheJournalIsBackAndNothingTwice() async throws {
        let journal = OutageJournal()
        try await journal.begin(JournalFixtures.record())
        let told = Mutex<[RunRecorder.Outage]>([])
        // The journal comes back once the recorder has paused 3 s in all; the first write that fails had committed
        // (its answer was lost with the connection): it must not be written again.
        let recorder = RunRecorder(
            journal: journal, run: run, patience: patience(.seconds(60)) { paused in if paused >= .seconds(3) { journal.up() } },
            onOutage: { outage in told.withLock { $0.append(outage) } }
        ) { error in Issue.record("reported: \(error)") }
        #expect(await recorder.record(events[0]) == .durable)
        journal.down(commitFirst: true)
        let answers = await withTaskGroup(of: Recorded.self) { group in
            for event in events[1...6] {
                group.addTask { await recorder.record(event) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0 == .durable })
        let stored = try await journal.events(run: run)
        #expect(stored.count == 7)
        #expect(Set(stored.map(\.payload)).count == 7, "an event was written twice")
        #expect(stored.first?.payload == (try JournalEntry.event(events[0]).canonicalPayload()))
        #expect(try await journal.verify(run: run).allSatisfy(\.isIntact))
        let outages = told.withLock { $0 }
        #expect(outages.count == 2)
        if case .began(let error, let timeout)? = outages.first {
            #expect(error.code == .unreachable)
            #expect(timeout == .seconds(60))
        } else {
            Issue.record("no outage began: \(outages)")
        }
        if case .ended(let after)? = outages.last { #expect(after >= .seconds(3)) } else { Issue.record("\(outages)") }
        #expect(!recorder.hasFailed)
    }

    @Test func pastTheTimeoutTheWriteFailsOnceAndNothingMoreIsWritten() async throws {
        let journal = OutageJournal()
        try await journal.begin(JournalFixtures.record())
        let failures = Mutex<[JournalError]>([])
        let recorder = RunRecorder(journal: journal, run: run, patience: patience(.seconds(5))) { error in
            failures.withLock { $0.append(error) }
        }
        #expect(await recorder.record(events[0]) == .durable)
        journal.down(commitFirst: false)
        guard case .failed(let reason) = await recorder.record(events[1]) else {
            Issue.record("the write did not fail")
            return
        }
        #expect(reason.contains("longer than the journal timeout, 5 s"), "\(reason)")
        // The journal is back, but the run has given up: nothing more is written (the journal keeps an exact prefix
        // of the run, from which any controller resumes it).
        journal.up()
        let attempts = journal.attempts
        guard case .failed = await recorder.record(events[2]) else {
            Issue.record("wrote after giving up")
            return
        }
        #expect(journal.attempts == attempts)
        #expect(try await journal.events(run: run).count == 1)
        #expect(failures.withLock { $0.count } == 1)
    }
}

/// The in-memory journal behind a server that can go away: while down, every append fails `unreachable` (the first
/// one optionally after committing, as a connection lost before its answer).
private final class OutageJournal: JournalWrapper {
    private struct State {
        var down = false
        var commitFirst = false
        var attempts = 0
    }

    let base: any Journal = InMemoryJournal.make()
    private let state = Mutex(State())

    var attempts: Int { state.withLock { $0.attempts } }
    func down(commitFirst: Bool) { state.withLock { $0 = State(down: true, commitFirst: commitFirst, attempts: $0.attempts) } }
    func up() { state.withLock { $0.down = false } }

    func append(_ entries: [JournalEntry], run: String, at sequence: Int?, fence: LeaseFence?) async throws
        -> [JournalEvent]
    {
        let (down, commit) = state.withLock { state in
            state.attempts += 1
            defer { state.commitFirst = false }
            return (state.down, state.commitFirst)
        }
        if down {
            if commit { _ = try await base.append(entries, run: run, at: sequence, fence: fence) }
            throw JournalError(.unreachable, "cannot reach the journal's PostgreSQL server at 127.0.0.1:1: connection refused")
        }
        return try await base.append(entries, run: run, at: sequence, fence: fence)
    }
}
