import DroverEngine
import DroverJournal
import DroverModel
import Synchronization

/// The paused run's side of `drover decide`: waits for an answer that another process appended to the run's chain
/// (an `operator_answered` event after the pause). The journal is read with a bounded backoff (0.1 s doubling to
/// 1 s) until a push-based follow exists; the engine bounds the wait itself (the pause's timeout, a stop) and
/// cancels this.
final class JournalOperator: OperatorDecisions, Sendable {
    private let journal: any Journal
    private let run: String
    /// Answers read from the journal: already in the chain, so the engine's own `operator_answered` for them is
    /// shown but not written a second time.
    private let journaled = Mutex<[OperatorAnswer]>([])
    /// The longest gap between two reads.
    static let longestPoll: Duration = .seconds(1)

    init(journal: any Journal, run: String) {
        self.journal = journal
        self.run = run
    }

    func answer(to pause: Decision) async throws -> OperatorAnswer {
        var sequence: Int?
        var gap: Duration = .milliseconds(100)
        while true {
            try Task.checkCancellation()
            let events = try await journal.events(run: run, after: sequence ?? 0)
            if sequence == nil, let open = OpenPause.of(events), open.isFor(pause) { sequence = open.sequence }
            if let sequence, let answer = OpenPause(decision: pause, sequence: sequence).answer(in: events) {
                journaled.withLock { $0.append(answer) }
                return answer
            }
            try await Task.sleep(for: gap)
            gap = min(gap * 2, Self.longestPoll)
        }
    }

    /// Whether `answer` came from the journal (and so is there already).
    func isJournaled(_ answer: OperatorAnswer) -> Bool {
        journaled.withLock { $0.contains(answer) }
    }
}
