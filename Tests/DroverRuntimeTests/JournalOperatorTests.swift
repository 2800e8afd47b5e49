import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroverRuntime

/// The paused controller's wait for an answer in the journal: found however early it was written, and not lost
/// when the journal's follow breaks off.
@Suite struct JournalOperatorTests {
    static let pause = Decision(
        action: .pause, rule: .analysis, stage: 1, batch: 0, reason: "batch 1: error rate 0.5 > max 0.05")
    static let answer = OperatorAnswer(stage: 1, batch: 0, choice: .retry, by: "ops", reason: "fixed by hand")

    static func journal() async throws -> InMemoryJournal {
        let journal = InMemoryJournal.make()
        try await journal.begin(
            RunRecord(
                id: "r1", playbook: "Update", playbookPath: "/srv/update.yml", playbookHash: String(repeating: "a", count: 64),
                inventoryPath: "/srv/hosts.ini", environment: "test", operator: "tester", change: ChangeInfo(), hostCount: 1,
                outline: [], startedAt: Date(timeIntervalSince1970: 1_795_000_000)))
        try await journal.append(.event(.decision(pause)), run: "r1")
        return journal
    }

    @Test func anAnswerWrittenBeforeTheFirstReadIsTaken() async throws {
        let journal = try await Self.journal()
        try await journal.append(.event(.operatorAnswered(Self.answer)), run: "r1")
        let operators = JournalOperator(journal: journal, run: "r1")
        #expect(try await operators.answer(to: Self.pause) == Self.answer)
        #expect(operators.isJournaled(Self.answer))
    }

    @Test func aFollowThatBreaksOffIsTakenUpAgainFromTheLastEventRead() async throws {
        let base = try await Self.journal()
        let journal = BreakingFollow(base: base)
        let operators = JournalOperator(journal: journal, run: "r1", sleep: { _ in })
        let waiting = Task { try await operators.answer(to: Self.pause) }
        // Answered once the broken follow was taken up again.
        var refollowed = journal.refollowed.makeAsyncIterator()
        _ = await refollowed.next()
        try await base.append(.event(.operatorAnswered(Self.answer)), run: "r1")
        #expect(try await waiting.value == Self.answer)
        // Taken up after the pause, the one event the broken follow gave.
        #expect(journal.follows == [0, 1])
    }

    /// A journal that stays unreachable: the wait takes the follow up again 60 times, a second apart, then gives the
    /// journal's error to the engine (nobody can be asked) instead of waiting for ever.
    @Test func aFollowThatKeepsBreakingIsGivenUpAfterSixtyTries() async throws {
        let journal = NeverFollows(base: try await Self.journal())
        let pauses = Mutex<[Duration]>([])
        let operators = JournalOperator(journal: journal, run: "r1", sleep: { pause in pauses.withLock { $0.append(pause) } })
        let error = await #expect(throws: JournalError.self) { try await operators.answer(to: Self.pause) }
        #expect(error?.message == "the journal's server is gone")
        #expect(journal.follows == JournalOperator.refollows + 1)
        #expect(pauses.withLock { $0 } == Array(repeating: .seconds(1), count: JournalOperator.refollows))
    }
}

/// A journal whose every follow ends at once with the server gone.
private final class NeverFollows: JournalWrapper {
    let base: any Journal
    private let count = Mutex(0)
    var follows: Int { count.withLock { $0 } }

    init(base: any Journal) { self.base = base }

    func follow(run: String, after sequence: Int, heartbeat: Duration) -> AsyncThrowingStream<[JournalEvent], any Error> {
        count.withLock { $0 += 1 }
        return AsyncThrowingStream { $0.finish(throwing: JournalError(.unreachable, "the journal's server is gone")) }
    }
}

/// A journal whose first follow of a run gives what is stored, then ends with the server's connection gone; later
/// follows are the base's.
private final class BreakingFollow: JournalWrapper {
    let base: any Journal
    private let started = Mutex<[Int]>([])
    /// Where each follow started (the sequence after which it read).
    var follows: [Int] { started.withLock { $0 } }

    /// Tells when a follow after the first starts.
    let refollowed: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init(base: any Journal) {
        self.base = base
        (refollowed, signal) = AsyncStream<Void>.makeStream()
    }

    func follow(run: String, after sequence: Int, heartbeat: Duration) -> AsyncThrowingStream<[JournalEvent], any Error> {
        let first = started.withLock {
            $0.append(sequence)
            return $0.count == 1
        }
        guard first else {
            signal.yield()
            return base.follow(run: run, after: sequence, heartbeat: heartbeat)
        }
        let base = self.base
        return AsyncThrowingStream { continuation in
            let task = Task {
                continuation.yield((try? await base.events(run: run, after: sequence)) ?? [])
                continuation.finish(throwing: JournalError(.unreachable, "the journal's server stopped sending notifications"))
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
