import ArgumentParser
import DroverJournal
import DroverModel
import DroverRuntime
import Foundation

/// `drover watch [RUN]`: follows runs live from the journal, whichever controllers drive them, printing what each run
/// prints (the same `RunReporter`: the same lines; `--output json` the same events, with their journaled times).
/// Which runs, how their streams merge, stalls and the exit status are `RunWatcher`'s; this parses and prints.
///
/// With RUN, that run; without, every run running when it starts. Several runs' lines are told apart by the run's id
/// (`[RUN] ` before each human line, `"run"` in each JSON object). It shows what each run journaled so far, then each
/// event as it is stored (PostgreSQL pushes them with LISTEN/NOTIFY; SQLite is polled), and ends when every followed
/// run has ended: exit 0 when all succeeded, else the exit status of the first to end badly. A run whose controller
/// died is said to have stalled once its leases lapse, naming who held them and how to continue it; watching goes on.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow runs live from the journal, whichever controller drives them (default: the running ones).")

    @Argument(help: "The run id (default: every run running now).")
    var runID: String?

    @Option(help: "human or json (one object per event per line, as the run prints them).")
    var output: OutputFormat = .human

    @OptionGroup var journalOptions: JournalOptions

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let journal = try await journalOptions.open()
        let records = try await journalCall { try await RunWatcher.runs(runID, in: journal) }
        guard !records.isEmpty else {
            Terminal.error(
                "drover: no run is running in \(journalOptions.path) (drover runs lists them; drover watch RUN "
                    + "follows or replays one)")
            throw ExitCode(64)
        }
        var reporters: [String: RunReporter] = [:]
        for record in records {
            let reporter = RunReporter(format: output, run: records.count > 1 ? record.id : nil)
            reporter.expect(stepsPerStage: record.outline.map(\.steps.count))
            // Through the reporter (human output only), so its lines and the events' come out in order.
            reporter.note(
                "watching run \(record.id): \(record.playbook) by \(record.operator), started "
                    + "\(EventChain.timestamp(record.startedAt).prefix(19).replacingOccurrences(of: "T", with: " ")) UTC")
            reporters[record.id] = reporter
        }
        let watcher = RunWatcher(journal: journal, journalName: journalOptions.path)
        var endings: [RunStatus] = []
        do {
            for try await update in watcher.follow(records.map(\.id)) {
                switch update {
                case .events(let run, let batch):
                    for stored in batch {
                        guard case .event(let event)? = try? stored.entry() else { continue }
                        reporters[run]?.handle(event, at: EventChain.date(stored.timestamp) ?? Date())
                    }
                case .ended(let run, let status, let reason):
                    // The run's own last line (its recap's); the recap's host table is the run's to print.
                    if status != .refused { reporters[run]?.note("\(status.rawValue) (exit \(status.exitCode)): \(reason)") }
                    endings.append(status)
                case .stalled(_, let sentence):
                    Terminal.error("drover: \(sentence)")
                }
            }
        } catch let failure as RunWatcher.Failure {
            Terminal.error("drover: stopped watching run \(failure.run): \(failure)")
            throw ExitCode(1)
        }
        let status = RunWatcher.exitStatus(endings)
        if status != 0 { throw ExitCode(status) }
    }
}
