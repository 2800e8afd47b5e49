import ArgumentParser
import DroverJournal
import DroverModel
import Foundation

/// `drover watch [RUN]`: follows a run live from the journal, whichever controller drives it, printing what the run
/// prints (the same `RunReporter`: the same lines; `--output json` the same events, with their journaled times).
///
/// It shows what the run journaled so far, then each event as it is stored (PostgreSQL pushes them with
/// LISTEN/NOTIFY; SQLite is polled), and ends with the run. A run whose controller died is said to have stalled once
/// its leases lapse, naming who held them and how to continue it; watching goes on (a resume continues the run).
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a run live from the journal, whichever controller drives it (default: the running one).")

    @Argument(help: "The run id (default: the newest running run).")
    var runID: String?

    @Option(help: "human or json (one object per event per line, as the run prints them).")
    var output: OutputFormat = .human

    @OptionGroup var journalOptions: JournalOptions

    /// How often a quiet run's leases are looked at (a run whose controller died says nothing).
    static let heartbeat: Duration = .seconds(2)

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let journal = try await journalOptions.open()
        let record = try await journalCall { try await chosenRun(journal) }
        let reporter = RunReporter(format: output)
        reporter.expect(stepsPerStage: record.outline.map(\.steps.count))
        // Through the reporter (human output only), so its lines and the events' come out in order.
        reporter.note(
            "watching run \(record.id): \(record.playbook) by \(record.operator), started "
                + "\(EventChain.timestamp(record.startedAt).prefix(19).replacingOccurrences(of: "T", with: " ")) UTC")
        var stall = StallWatch(run: record.id, journal: journalOptions.path)
        do {
            for try await batch in journal.follow(run: record.id, after: 0, heartbeat: Self.heartbeat) {
                if !batch.isEmpty { stall.heard() }
                for stored in batch {
                    guard case .event(let event)? = try? stored.entry() else { continue }
                    reporter.handle(event, at: EventChain.date(stored.timestamp) ?? Date())
                    if case .runFinished(let status, let reason, _) = event {
                        // The run's own last line (its recap's); the recap's host table is the run's to print.
                        if status != .refused { reporter.note("\(status.rawValue) (exit \(status.exitCode)): \(reason)") }
                        if status.exitCode != 0 { throw ExitCode(status.exitCode) }
                        return
                    }
                }
                if batch.isEmpty, let sentence = try await stall.check(journal) { Terminal.error("drover: \(sentence)") }
            }
        } catch let error as JournalError {
            Terminal.error("drover: stopped watching run \(record.id): \(error)")
            throw ExitCode(1)
        }
    }

    /// The run asked for, or the newest running one.
    private func chosenRun(_ journal: any Journal) async throws -> RunRecord {
        if let runID {
            guard let record = try await journal.run(runID) else { throw JournalError.unknownRun(runID) }
            return record
        }
        let running = try await journal.runs(since: nil).filter { $0.status == nil && !$0.isScheduleBook }
        guard let newest = running.first else {
            Terminal.error(
                "drover: no run is running in \(journalOptions.path) (drover runs lists them; drover watch RUN "
                    + "follows or replays one)")
            throw ExitCode(64)
        }
        if running.count > 1 {
            Terminal.error(
                "drover: watching run \(newest.id), the newest of \(running.count) running runs (also: "
                    + running.dropFirst().map(\.id).joined(separator: ", ") + "; drover watch RUN follows another)")
        }
        return newest
    }
}

/// Whether a watched run has stalled: still running in the journal, with leases on record, every one of them
/// lapsed (its controller stopped renewing) or broken. Said once per silence.
struct StallWatch {
    var run: String
    var journal: String
    private var said = false

    init(run: String, journal: String) {
        self.run = run
        self.journal = journal
    }

    /// Events arrived: the run moves (again).
    mutating func heard() { said = false }

    /// The sentence to say when the run has just been found stalled, else nil.
    mutating func check(_ journal: any Journal) async throws -> String? {
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
