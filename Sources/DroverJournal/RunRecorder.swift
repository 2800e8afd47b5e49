public import DroverModel
import Synchronization

/// The engine's event sink for one run: appends each event to the journal before returning, so a `step_started`
/// is durable before the step runs (write-ahead).
///
/// A write that fails cannot be undone by the rollout, so the recorder reports it once through `onFailure` (the
/// CLI stops the run: nothing new starts) and keeps trying to record later events.
public final class RunRecorder: Sendable {
    private let journal: any Journal
    private let run: String
    private let onFailure: @Sendable (JournalError) -> Void
    private let failed = Mutex(false)

    public init(journal: any Journal, run: String, onFailure: @escaping @Sendable (JournalError) -> Void) {
        self.journal = journal
        self.run = run
        self.onFailure = onFailure
    }

    /// Records `event`; returns once it is durable (or the write failed).
    @Sendable public func record(_ event: RunEvent) {
        do {
            try journal.append(.event(event), run: run)
        } catch {
            let journalError = error as? JournalError ?? JournalError(.writeFailed, "\(error)")
            let first = failed.withLock { already in
                defer { already = true }
                return !already
            }
            if first { onFailure(journalError) }
        }
    }

    /// True once a write has failed.
    public var hasFailed: Bool { failed.withLock { $0 } }
}
