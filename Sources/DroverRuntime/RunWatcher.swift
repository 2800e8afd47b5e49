public import DroverJournal
public import DroverModel
import Foundation

/// `drover watch`: follows runs live from the journal, whichever controller drives them — one named run, or every
/// run running when it starts (`runs(_:in:)`) — and hands the caller each run's events as they are stored, in order
/// per run, the runs' streams merged as they come (`follow(_:)`).
///
/// Each run is followed on its own `Journal.follow` (PostgreSQL pushes with LISTEN/NOTIFY; SQLite is polled) until its
/// `run_finished` is stored; the stream ends when every followed run has ended. A quiet run is checked at each
/// heartbeat: once its controller stopped renewing its leases and they lapsed, it is said to have stalled, once per
/// silence (`StallWatch`), and followed on (a `drover resume` from any controller continues it). How the watch ends
/// is a pure function of how the runs ended (`exitStatus(_:)`).
public struct RunWatcher: Sendable {
    /// What happened to one of the followed runs.
    public enum Update: Sendable {
        /// Events of `run` as stored, in order (its `run_finished` last, when it is among them).
        case events(run: String, [JournalEvent])
        /// `run` ended: its status and reason, as its `run_finished` says.
        case ended(run: String, status: RunStatus, reason: String)
        /// `run` has just been found stalled: the sentence to say.
        case stalled(run: String, sentence: String)
    }

    /// Following `run` failed: the journal could not be read.
    public struct Failure: Error, CustomStringConvertible {
        public var run: String
        public var error: any Error
        public var description: String { "\(error)" }
    }

    public let journal: any Journal
    /// The journal as the user named it (a path or a URL without secrets), for the sentence that says how to resume.
    public let journalName: String
    /// How often a quiet run's leases are looked at (a run whose controller died says nothing).
    public let heartbeat: Duration

    public init(journal: any Journal, journalName: String, heartbeat: Duration = .seconds(2)) {
        self.journal = journal
        self.journalName = journalName
        self.heartbeat = heartbeat
    }

    /// The runs to follow: `id`'s (finished or not: a finished one is replayed), else every run the journal has
    /// running now, oldest first (the schedule book is not a run). Empty when none is running.
    /// - Throws: `JournalError.unknownRun` for an id the journal does not have; the journal's errors.
    public static func runs(_ id: String?, in journal: any Journal) async throws -> [RunRecord] {
        if let id {
            guard let record = try await journal.run(id) else { throw JournalError.unknownRun(id) }
            return [record]
        }
        return try await journal.runs(since: nil).filter { $0.status == nil && !$0.isScheduleBook }.reversed()
    }

    /// How a watch of runs that ended with `statuses` (in the order they ended) exits: 0 when every one succeeded,
    /// else the exit status of the first to end badly (the first thing that went wrong is the one to look at).
    public static func exitStatus(_ statuses: [RunStatus]) -> Int32 {
        statuses.first { $0.exitCode != 0 }?.exitCode ?? 0
    }

    /// Follows `runs` (ids) from their first event until each has ended. The stream throws `Failure` when a run
    /// cannot be followed (the journal failed); it ends when the consuming task is cancelled.
    public func follow(_ runs: [String]) -> AsyncThrowingStream<Update, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Update, any Error>.makeStream()
        let task = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for run in Set(runs) {
                        group.addTask { try await self.follow(run, into: continuation) }
                    }
                    try await group.waitForAll()
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Follows one run until its `run_finished`.
    private func follow(_ run: String, into continuation: AsyncThrowingStream<Update, any Error>.Continuation)
        async throws
    {
        var stall = StallWatch(run: run, journal: journalName)
        do {
            for try await batch in journal.follow(run: run, after: 0, heartbeat: heartbeat) {
                if batch.isEmpty {
                    if let sentence = try await stall.check(journal) {
                        continuation.yield(.stalled(run: run, sentence: sentence))
                    }
                    continue
                }
                stall.heard()
                // What a run journals after its end (a later resume reopens it) is not this watch's.
                if let last = batch.firstIndex(where: { $0.kind == "run_finished" }) {
                    continuation.yield(.events(run: run, Array(batch[...last])))
                    if case .event(.runFinished(let status, let reason, _))? = try? batch[last].entry() {
                        continuation.yield(.ended(run: run, status: status, reason: reason))
                    }
                    return
                }
                continuation.yield(.events(run: run, batch))
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Failure(run: run, error: error)
        }
    }
}

/// Whether a watched run has stalled: still running in the journal, with leases on record, every one of them
/// lapsed (its controller stopped renewing) or broken. Said once per silence.
public struct StallWatch: Sendable {
    public var run: String
    public var journal: String
    private var said = false

    /// - Parameter journal: the journal as the user named it, for the `drover resume` the sentence suggests.
    public init(run: String, journal: String) {
        self.run = run
        self.journal = journal
    }

    /// Events arrived: the run moves (again).
    public mutating func heard() { said = false }

    /// The sentence to say when the run has just been found stalled, else nil.
    public mutating func check(_ journal: any Journal) async throws -> String? {
        guard !said, let record = try await journal.run(run), record.status == nil else { return nil }
        let leases = try await journal.leases().filter { $0.holder.run == run }
        let now = try await journal.now()
        guard let holder = leases.first?.holder,
            leases.allSatisfy({ $0.broken != nil || $0.expiresAt <= now })
        else { return nil }
        said = true
        let lapsed = leases.map(\.expiresAt).max().map(EventChain.timestamp) ?? "?"
        return "run \(run) has stalled: its controller (pid \(holder.pid) on \(holder.controller), run by "
            + "\(holder.operator)) stopped renewing its leases, which lapsed at \(lapsed); any controller can continue "
            + "it: drover resume \(run) --journal \(self.journal)"
    }
}
