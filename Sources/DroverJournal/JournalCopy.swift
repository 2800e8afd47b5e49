import DroverModel

/// `drover journal copy FROM TO`: moves a journal's history to another journal (SQLite → PostgreSQL and back) with
/// each run's hash chain as it was, so `verify` passes on the copy and `log` and `report` print the same.
///
/// A run is copied only if its chain verifies in the source (a copy must never launder a tampered history), and only
/// if the target has no run with its id (a run copied already is skipped, so a copy that stopped half-way can be
/// run again). Each run is one transaction in the target. Leases are not copied: they belong to live controllers of
/// the source.
public enum JournalCopy {
    /// What happened to one run.
    public enum Outcome: Sendable, Hashable {
        case copied(events: Int)
        /// The target has a run with that id already.
        case skipped
        /// Its chain does not verify in the source: not copied.
        case refused(ChainProblem)
    }

    /// Copies every run of `source` into `target`, oldest first.
    /// - Parameter progress: told each run's outcome as it is decided.
    /// - Returns: every run's outcome, oldest first.
    /// - Throws: `JournalError` when either journal cannot be read or written (runs copied before stay copied).
    public static func copy(
        from source: any Journal, to target: any Journal,
        progress: (String, Outcome) -> Void = { _, _ in }
    ) async throws -> [(run: String, outcome: Outcome)] {
        var outcomes: [(run: String, outcome: Outcome)] = []
        for record in try await source.runs(since: nil).reversed() {
            let outcome = try await copy(record, from: source, to: target)
            progress(record.id, outcome)
            outcomes.append((record.id, outcome))
        }
        return outcomes
    }

    private static func copy(_ record: RunRecord, from source: any Journal, to target: any Journal) async throws
        -> Outcome
    {
        if try await target.run(record.id) != nil { return .skipped }
        let events = try await source.events(run: record.id)
        let report = ChainReport(run: record.id, events: 0, problem: nil).checking(events, head: record.head)
        if let problem = report.problem { return .refused(problem) }
        do {
            try await target.restore(record, events: events)
        } catch let error as JournalError where error.code == .duplicateRun {
            return .skipped
        }
        return .copied(events: events.count)
    }
}
