import ArgumentParser
import DroverJournal
import DroverModel
import DroverRuntime
import Foundation

/// `drover runs [--output json]`: the journal's runs, newest first.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List the runs in the journal, newest first.")

    @Option(help: "human or json (one object per run per line).")
    var output: OutputFormat = .human

    @OptionGroup var journalOptions: JournalOptions

    func run() async throws {
        let journal = try await journalOptions.open()
        let runs = try await journalCall { try await journal.runs(since: nil) }.filter { !$0.isScheduleBook }
        // A live run waiting at a pause for `drover decide` is PAUSED (read from its chain).
        var paused: Set<String> = []
        for run in runs where run.status == nil {
            if OpenPause.of(try await journalCall { try await journal.events(run: run.id) }) != nil { paused.insert(run.id) }
        }
        func status(_ run: RunRecord) -> String { paused.contains(run.id) ? "PAUSED" : run.statusText }
        switch output {
        case .json:
            // A run's reason may quote a host (its last line of output): escaped as every JSON output is.
            for run in runs { print(VisibleText.json(Self.json(run, status: status(run)))) }
        case .human:
            guard !runs.isEmpty else {
                print("no runs in \(journalOptions.path)")
                return
            }
            let rows = [["RUN", "PLAYBOOK", "ENV", "OPERATOR", "CHANGE", "STARTED (UTC)", "DURATION", "STATUS"]]
                + runs.map { run in
                    [
                        run.id, run.playbook, run.environment ?? "-", run.operator, run.change.id ?? "-",
                        EventChain.timestamp(run.startedAt).prefix(19).replacingOccurrences(of: "T", with: " "),
                        run.duration.map(DurationText.format) ?? "-", status(run) + (run.checkOnly ? " (check)" : ""),
                    ]
                }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(
                    row.enumerated().map { index, cell in
                        index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
                    }.joined(separator: "  "))
            }
        }
    }

    static func json(_ run: RunRecord, status: String) -> String {
        let object: [String: Any] = [
            "id": run.id, "playbook": run.playbook, "playbook_path": run.playbookPath,
            "environment": run.environment ?? NSNull(), "operator": run.operator,
            "change_type": run.change.type.rawValue, "change_id": run.change.id ?? NSNull(),
            "approved_by": run.change.approvedBy ?? NSNull(),
            "estimate_ms": run.change.estimate.map(RunEventJSON.milliseconds) ?? NSNull(),
            "started_at": EventChain.timestamp(run.startedAt),
            "finished_at": run.finishedAt.map(EventChain.timestamp) ?? NSNull(),
            "duration_ms": run.duration.map(RunEventJSON.milliseconds) ?? NSNull(), "status": status,
            "reason": run.reason ?? NSNull(), "hosts": run.hostCount, "check": run.checkOnly,
            "events": run.head.count,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
