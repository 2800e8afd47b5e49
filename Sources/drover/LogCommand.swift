import ArgumentParser
import DroverJournal
import DroverModel
import Foundation

/// `drover log [RUN] [--output human|json|markdown]`: one run's maintenance log (the latest run without RUN).
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print a run's maintenance log: change, window, people, checks, execution log, issues, verification, outcome.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json, markdown
    }

    @Argument(help: "The run id (drover runs lists them); default: the latest run.")
    var runID: String?

    @Option(help: "human, json or markdown.")
    var output: Format = .human

    @OptionGroup var journalOptions: JournalOptions

    func run() async throws {
        let journal = try await journalOptions.open()
        var latest: String?
        if runID == nil { latest = try await journalCall({ try await journal.runs(since: nil) }).first { !$0.isScheduleBook }?.id }
        guard let runID = runID ?? latest else {
            Terminal.error("drover: the journal \(journalOptions.path) holds no run yet")
            throw ExitCode(64)
        }
        guard let record = try await journalCall({ try await journal.run(runID) }) else {
            Terminal.error("drover: the journal \(journalOptions.path) has no run '\(runID)' (drover runs lists them)")
            throw ExitCode(64)
        }
        let events = try await journalCall { try await journal.events(run: runID) }
        let log = MaintenanceLog(run: record, events: events)
        // What this Drover cannot read is listed under the log's issues; say so where a script sees it too.
        let unreadable = events.filter { (try? $0.entry()) == nil }
        if !unreadable.isEmpty {
            Terminal.error(
                "drover: \(counted(unreadable.count, "event")) of run \(runID) cannot be read by this Drover "
                    + "(listed under Issues): events \(unreadable.map { String($0.sequence) }.joined(separator: ", "))")
        }
        switch output {
        // The log quotes hosts (a failed step's last line of output): control characters made visible for people,
        // escaped in JSON; the journal itself keeps the bytes as received.
        case .human: print(VisibleText.escape(log.text()), terminator: "")
        case .markdown: print(VisibleText.escape(log.markdown()), terminator: "")
        case .json: print(VisibleText.json(try log.json()), terminator: "")
        }
    }
}
