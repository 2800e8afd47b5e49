import ArgumentParser
import DroverJournal
import Foundation

/// `drover log RUN [--output human|json|markdown]`: one run's maintenance log.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print a run's maintenance log: change, window, people, checks, execution log, issues, verification, outcome.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json, markdown
    }

    @Argument(help: "The run id (drover runs lists them).")
    var runID: String

    @Option(help: "human, json or markdown.")
    var output: Format = .human

    @OptionGroup var journalOptions: JournalOptions

    func run() throws {
        let journal = try journalOptions.open()
        guard let record = try journalCall({ try journal.run(runID) }) else {
            Terminal.error("drover: the journal \(journalOptions.path) has no run '\(runID)' (drover runs lists them)")
            throw ExitCode(64)
        }
        let log = MaintenanceLog(run: record, events: try journalCall { try journal.events(run: runID) })
        switch output {
        case .human: print(log.text(), terminator: "")
        case .markdown: print(log.markdown(), terminator: "")
        case .json: print(try log.json(), terminator: "")
        }
    }
}
