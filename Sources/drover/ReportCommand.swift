import ArgumentParser
import DroverJournal
import DroverModel
import Foundation

/// `drover report [--since 90d] [--env ENV]`: the maintenance KPIs, per playbook and overall, then the decisions
/// people and analysis gates took (as `drover log` shows them run by run).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Success rate, rollback rate, emergencies, duration variance against estimates and overruns; analysis "
            + "halts and operator answers.")

    @Option(help: "How far back (a duration: 90d, 12h).", transform: FlagValues.lookBack)
    var since: Duration = .seconds(90 * 86_400)

    @Option(name: .customLong("env"), help: "Only runs in this environment.")
    var environment: String?

    @Option(help: "human or json.")
    var output: OutputFormat = .human

    @OptionGroup var journalOptions: JournalOptions

    func run() async throws {
        let journal = try await journalOptions.open()
        let start = Date().addingTimeInterval(-Double(since.components.seconds))
        let runs = try await journalCall { try await journal.runs(since: start) }.filter { !$0.isScheduleBook }
        // Decisions come from each counted run's events (operator answers are events, not projected rows).
        var events: [String: [JournalEvent]] = [:]
        for run in runs where JournalReport.counts(run) && (environment == nil || run.environment == environment) {
            events[run.id] = try await journalCall { try await journal.events(run: run.id) }
        }
        let report = JournalReport(runs: runs, since: start, environment: environment, events: events)
        switch output {
        case .human: print(report.text(), terminator: "")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}
