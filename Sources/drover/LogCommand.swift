import ArgumentParser
import DroverJournal
import DroverModel
import Foundation

/// `drover log [RUN] [--output human|json|markdown]`: one run's maintenance log (the latest run without RUN).
struct LogCommand: ParsableCommand {
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

    func run() throws {
        let journal = try journalOptions.open()
        guard let runID = try runID ?? journalCall({ try journal.runs(since: nil) }).first?.id else {
            Terminal.error("drover: the journal \(journalOptions.path) holds no run yet")
            throw ExitCode(64)
        }
        guard let record = try journalCall({ try journal.run(runID) }) else {
            Terminal.error("drover: the journal \(journalOptions.path) has no run '\(runID)' (drover runs lists them)")
            throw ExitCode(64)
        }
        let log = MaintenanceLog(run: record, events: try journalCall { try journal.events(run: runID) })
        switch output {
        // The log quotes hosts (a failed step's last line of output): control characters made visible for people,
        // escaped in JSON; the journal itself keeps the bytes as received.
        case .human: print(VisibleText.escape(log.text()), terminator: "")
        case .markdown: print(VisibleText.escape(log.markdown()), terminator: "")
        case .json: print(VisibleText.json(try log.json()), terminator: "")
        }
    }
}
