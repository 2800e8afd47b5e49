import ArgumentParser
import DroverEngine
import DroverJournal
import DroverModel
import DroverRuntime
import Foundation

/// `drover extend RUN --by 30m --reason TEXT [--approved-by NAME]`: moves a running run's window end.
struct ExtendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Extend a running run's maintenance window (journaled; the run picks it up before its next batch).",
        discussion: """
            Works from any shell that reaches the run's journal (--journal, else $DROVER_HOME/journal.sqlite).
            The new end is recorded in the run's chain with who and why; the running controller reads it before its next batch,
            so window fit uses the new end from then on, and sends the 'extended' notice (original end, new end).
            An extension that runs into a blackout is refused (exit 4) unless it is an approved emergency
            (--approved-by) where the policy lets emergencies override blackouts.
            """
    )

    @Argument(help: "The run's id (drover runs lists them).")
    var run: String

    @Option(help: "How much longer (e.g. 30m, 1h).", transform: FlagValues.windowExtension)
    var by: Duration

    @Option(help: "Why (recorded and told).")
    var reason: String

    @Option(name: .customLong("approved-by"), help: "Who approved it (needed to extend into a blackout as an emergency).")
    var approvedBy: String?

    @OptionGroup var policyOptions: PolicyOptions

    @OptionGroup var journalOptions: JournalOptions

    func validate() throws {
        if reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason must say why") }
    }

    func run() async throws {
        do {
            let extender = WindowExtender(journal: try await journalOptions.open(), identity: RunOptions.identity)
            let window = try await extender.extend(
                run: run, by: by, reason: reason, approvedBy: approvedBy, policyPath: policyOptions.policy)
            print(
                "extended run \(run)'s window from \(InstantText.format(window.from)) to \(InstantText.format(window.to))"
                    + (window.overridesBlackout.map { " (an approved emergency overriding blackout '\($0)')" } ?? ""))
        } catch let error as RuntimeError {
            throw RunOptions.fail(error)
        }
    }
}
