import DroverEngine
import DroverJournal
import DroverModel
import Synchronization

/// The paused run's side of an answer: waits for an `operator_answered` event after the pause in the run's chain,
/// written by `drover decide` from any shell or by this run's own terminal (`PausePrompt`, which journals through the
/// same `PauseAnswerer`). Whichever is journaled first is the answer; the other question is then withdrawn (the
/// prompt's read is cancelled). The chain is followed (`Journal.follow`: pushed on PostgreSQL, read every 200 ms on
/// SQLite); the engine bounds the wait itself (the pause's timeout, a stop) and cancels this.
final class JournalOperator: OperatorDecisions, Sendable {
    private let journal: any Journal
    private let run: String
    private let prompt: PausePrompt?
    /// Answers read from the journal: already in the chain, so the engine's own `operator_answered` for them is
    /// shown but not written a second time.
    private let journaled = Mutex<[OperatorAnswer]>([])
    /// The pause before a broken follow is taken up again (tests pass one that returns at once).
    private let sleep: @Sendable (Duration) async throws -> Void
    /// How often a quiet follow reads the chain anyway (PostgreSQL: in case a notification was lost).
    static let heartbeat: Duration = .seconds(5)

    init(
        journal: any Journal, run: String, prompt: PausePrompt? = nil,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.journal = journal
        self.run = run
        self.prompt = prompt
        self.sleep = sleep
    }

    func answer(to pause: Decision) async throws -> OperatorAnswer {
        try await withThrowingTaskGroup(of: OperatorAnswer?.self) { group in
            group.addTask { try await self.follow(pause) }
            if let prompt {
                // Ends once it journaled an answer (which the follow then reads), or when nobody can answer here.
                group.addTask {
                    try? await prompt.ask(pause)
                    return nil
                }
            }
            defer { group.cancelAll() }
            // Bounded: at most two children; the follow ends with an answer, an error or cancellation.
            while let answered = try await group.next() {
                if let answered { return answered }
            }
            throw CancellationError()
        }
    }

    /// The first answer to `pause` in the chain, as it is written. A follow the journal ends with an error (a dropped
    /// server connection) is taken up again from the last event read, a second later, at most `refollows` times in a
    /// row; then the error is the engine's (nobody can be asked).
    private func follow(_ pause: Decision) async throws -> OperatorAnswer {
        var chain: [JournalEvent] = []
        var pauseAt: Int?
        var last = 0
        var failures = 0
        while true {
            do {
                for try await events in journal.follow(run: run, after: last, heartbeat: Self.heartbeat) {
                    failures = 0
                    last = events.last?.sequence ?? last
                    var unread = events
                    if pauseAt == nil {
                        // Found in the whole chain (a resumed pause keeps its first place): keep it till then.
                        chain += events
                        guard let open = OpenPause.asked(pause, in: chain) else { continue }
                        pauseAt = open.sequence
                        unread = chain
                        chain = []
                    }
                    if let pauseAt, let answer = OpenPause(decision: pause, sequence: pauseAt).answer(in: unread) {
                        journaled.withLock { $0.append(answer) }
                        return answer
                    }
                }
                // The follow ends only when this task is cancelled.
                throw CancellationError()
            } catch let error where !(error is CancellationError) {
                failures += 1
                guard failures <= Self.refollows else { throw error }
                try await sleep(.seconds(1))
            }
        }
    }

    /// Failed follows in a row taken up again before the wait gives up (about a minute, the journal timeout's default).
    static let refollows = 60

    /// Whether `answer` came from the journal (and so is there already).
    func isJournaled(_ answer: OperatorAnswer) -> Bool {
        journaled.withLock { $0.contains(answer) }
    }
}
