import ArgumentParser
import DroverModel
import DroverRuntime
import Foundation

/// `drover decide RUN rollback|retry|continue --reason TEXT [--by NAME]`: answers a paused run from any shell with
/// the journal; the paused controller reads the answer from the run's chain.
struct DecideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Answer a paused run: rollback, retry or continue (journaled with who and why).",
        discussion: """
            rollback takes the halt path; retry rolls back the batch's failed hosts, runs the stage's steps on them \
            again and judges the batch again (analysis included); continue accepts the failures and goes on. \
            continue is an override: in production it needs --by naming one of the policy's override_approvers \
            for that environment. Exit status: 0 answered, 4 refused (the run is not paused, or continue without \
            an allowed approver), 64 no such run, 1 the journal failed.
            """)

    enum Choice: String, ExpressibleByArgument, CaseIterable {
        case rollback, retry, `continue`
    }

    @Argument(help: "The paused run's id (drover runs lists them).")
    var run: String

    @Argument(help: "rollback, retry or continue.")
    var choice: Choice

    @Option(help: "Why, in a sentence (journaled and shown in log and report).")
    var reason: String

    @Option(help: "Who decides (default: the login name).")
    var by: String?

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var policyOptions: PolicyOptions

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--reason must say why, in a sentence")
        }
    }

    func run() async throws {
        do {
            let answerer = PauseAnswerer(journal: try await journalOptions.open())
            let answer = try await answerer.answer(
                run: run, choice: OperatorAnswer.Choice(rawValue: choice.rawValue), by: by,
                operator: JournalOptions.operatorName, reason: reason, policyPath: policyOptions.policy)
            print("run \(run): \(choice.rawValue) by \(answer.by ?? JournalOptions.operatorName) recorded; the paused controller takes it within a second")
        } catch let error as RuntimeError {
            throw RunOptions.fail(error)
        }
    }
}
