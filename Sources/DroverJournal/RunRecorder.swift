public import DroverModel
import Dispatch
import Synchronization

/// The engine's event sink for one run: `record` returns once the event is durable in the journal, so a
/// `step_started` is written before the step runs (write-ahead).
///
/// Group commit: events recorded while a write is in flight wait for the next one, and it writes them all in one
/// transaction with one sync to disk. Ten hosts starting a step together cost one sync, not ten in a row, and a
/// thousand-host batch does not queue behind a thousand. The writes run on a queue of their own: they block on the
/// disk, which Swift's cooperative threads must not.
///
/// A write that fails cannot be undone by the rollout, so the recorder reports it once through `onFailure` (the
/// CLI stops the run: nothing new starts) and keeps trying to record later events.
public final class RunRecorder: Sendable {
    private struct Waiting {
        /// nil: a `flush` waiting for the events queued before it.
        var event: RunEvent?
        var written: CheckedContinuation<Void, Never>?
    }

    private struct Queue {
        var waiting: [Waiting] = []
        /// True while the writer drains the queue; a new arrival then only waits its turn.
        var draining = false
    }

    private let journal: any Journal
    private let run: String
    private let onFailure: @Sendable (JournalError) -> Void
    private let failed = Mutex(false)
    private let queue = Mutex(Queue())
    private let writer = DispatchQueue(label: "drover.journal-writer")

    public init(journal: any Journal, run: String, onFailure: @escaping @Sendable (JournalError) -> Void) {
        self.journal = journal
        self.run = run
        self.onFailure = onFailure
    }

    /// Records `event`; returns once it is durable (or the write failed).
    public func record(_ event: RunEvent) async {
        await withCheckedContinuation { written in
            enqueue(Waiting(event: event, written: written))
        }
    }

    /// Queues `event` without waiting for it (a notice's delivery, reported from code that cannot wait): it is
    /// written in order with the others; `flush` waits for it.
    public func submit(_ event: RunEvent) {
        enqueue(Waiting(event: event, written: nil))
    }

    /// Returns once every event recorded or submitted before it is written.
    public func flush() async {
        await withCheckedContinuation { written in
            enqueue(Waiting(event: nil, written: written))
        }
    }

    /// True once a write has failed.
    public var hasFailed: Bool { failed.withLock { $0 } }

    private func enqueue(_ item: Waiting) {
        let startWriter = queue.withLock { queue in
            queue.waiting.append(item)
            defer { queue.draining = true }
            return !queue.draining
        }
        if startWriter { writer.async { self.drain() } }
    }

    /// Writes what is waiting, one transaction per round, until nothing is left.
    private func drain() {
        while true {
            let round = queue.withLock { queue in
                let round = queue.waiting
                queue.waiting.removeAll()
                if round.isEmpty { queue.draining = false }
                return round
            }
            if round.isEmpty { return }
            let events = round.compactMap(\.event)
            if !events.isEmpty { write(events) }
            for item in round { item.written?.resume() }
        }
    }

    private func write(_ events: [RunEvent]) {
        do {
            try journal.append(events.map { .event($0) }, run: run)
        } catch {
            let journalError = error as? JournalError ?? JournalError(.writeFailed, "\(error)")
            let first = failed.withLock { already in
                defer { already = true }
                return !already
            }
            if first { onFailure(journalError) }
        }
    }
}
