public import DroverModel
public import Foundation

/// The rules that turn a run's entries into its derived rows — the run's status, finish and resume, its per-host
/// step results, its decisions — as one pure function every backend applies in the append's transaction, so two
/// backends cannot drift apart.
public enum JournalProjection {
    /// What an entry is projected with besides itself.
    public struct Context: Sendable, Hashable {
        public var run: String
        /// The entry's sequence number in the run's chain.
        public var sequence: Int
        /// The entry's time as stored and hashed (`EventChain.timestamp`).
        public var timestamp: String
        /// When the run started (its record's `startedAt`), for its total duration.
        public var runStartedAt: Date

        public init(run: String, sequence: Int, timestamp: String, runStartedAt: Date) {
            self.run = run
            self.sequence = sequence
            self.timestamp = timestamp
            self.runStartedAt = runStartedAt
        }

        /// `timestamp` as a date (millisecond precision, as stored).
        public var time: Date { EventChain.date(timestamp) ?? .distantPast }
    }

    /// One change to the derived rows.
    public enum Change: Sendable, Hashable {
        /// The run's environment and host count, as its `run_started` says.
        case runStarted(environment: String?, hostCount: Int)
        /// The run ended: status, reason, when, and its wall time from start (across resumes, gaps included).
        case runFinished(status: RunStatus, reason: String, finishedAt: Date, duration: Duration)
        /// A resume reopened the run: status running again, no end, no reason.
        case runReopened
        /// A step started: its row is (re)written as `started`, numbered by `sequence` for ordering.
        case stepStarted(StepResult, sequence: Int)
        /// A step finished: its row gets the result. A row that is missing (its `step_started` predates the
        /// journal's knowledge) is first written as started with `result.startedAt` and `sequence`; an existing row
        /// keeps its own start.
        case stepFinished(StepResult, sequence: Int)
        /// A decision, numbered by its sequence.
        case decision(Decision, sequence: Int)
    }

    /// The changes `entry` makes (none for most entries).
    /// The changes of a stored event copied from another journal (`Journal.restore`): those of its entry, none for an
    /// event this Drover cannot read (kept as stored, as the source keeps it).
    public static func changes(restoring event: JournalEvent, runStartedAt: Date) -> [Change] {
        guard let entry = try? event.entry() else { return [] }
        let context = Context(
            run: event.run, sequence: event.sequence, timestamp: event.timestamp, runStartedAt: runStartedAt)
        return changes(for: entry, in: context)
    }

    public static func changes(for entry: JournalEntry, in context: Context) -> [Change] {
        let time = context.time
        switch entry {
        case .event(.runStarted(let started)):
            return [.runStarted(environment: started.environment, hostCount: started.hostCount)]
        case .event(.stepStarted(let ref)):
            return [.stepStarted(StepResult(ref: ref, status: .started, startedAt: time), sequence: context.sequence)]
        case .event(.stepFinished(let ref, let outcome)):
            let result = outcome.result
            return [
                .stepFinished(
                    StepResult(
                        ref: ref, status: StepResult.Status(outcome.status), exitStatus: result?.exitStatus,
                        signal: result?.exitSignal, attempts: outcome.attempts,
                        duration: .milliseconds(milliseconds(outcome.duration)), reason: outcome.reason,
                        stdoutTail: result?.stdout ?? "", stderrTail: result?.stderr ?? "",
                        stdoutBytes: result?.stdoutBytes ?? 0, stderrBytes: result?.stderrBytes ?? 0, startedAt: time,
                        finishedAt: time),
                    sequence: context.sequence)
            ]
        case .event(.decision(let decision)):
            return [.decision(decision, sequence: context.sequence)]
        case .event(.runFinished(let status, let reason, _)):
            return [finish(status, reason, context)]
        case .note(let note) where note.kind == .refused:
            return [finish(.refused, note.text, context)]
        case .note(let note) where note.kind == .needsAttention:
            return [finish(.interrupted, note.text, context)]
        case .note(let note) where note.kind == .resumed:
            return [.runReopened]
        default:
            return []
        }
    }

    private static func finish(_ status: RunStatus, _ reason: String, _ context: Context) -> Change {
        let time = context.time
        let elapsed = (time.timeIntervalSince(context.runStartedAt) * 1000).rounded()
        return .runFinished(status: status, reason: reason, finishedAt: time, duration: .milliseconds(Int64(elapsed)))
    }

    /// Whole milliseconds of `duration`, as the derived rows keep durations.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

extension StepResult.Status {
    init(_ status: StepOutcome.Status) {
        switch status {
        case .ok: self = .ok
        case .failed: self = .failed
        case .ignored: self = .ignored
        case .skipped: self = .skipped
        }
    }
}
