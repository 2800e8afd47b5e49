import ArgumentParser
import DroverJournal
import Foundation

/// `drover journal …`: the journal as a whole (today: `copy`).
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal", abstract: "Work on a journal as a whole.", subcommands: [JournalCopyCommand.self])
}

/// `drover journal copy FROM TO`: every run of one journal into another (SQLite → PostgreSQL and back), chains intact.
struct JournalCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every run of one journal into another, with its hash chain intact.",
        discussion: """
            FROM and TO are each a SQLite file or a postgresql:// URL (the password from PGPASSWORD or ~/.pgpass).
            Runs TO already has are skipped, so a copy that stopped can be run again. A run whose chain does not
            verify in FROM is not copied (exit 1, naming it). Leases are not copied.
            """)

    @Argument(help: ArgumentHelp("The journal to copy from.", valueName: "from"))
    var from: String

    @Argument(help: ArgumentHelp("The journal to copy into (created when it does not exist).", valueName: "to"))
    var to: String

    func run() async throws {
        guard from != to else {
            Terminal.error("drover: FROM and TO are the same journal (\(from)): nothing to copy")
            throw ExitCode(64)
        }
        let source = try await JournalOptions.open(from)
        let target = try await JournalOptions.open(to)
        var refused = 0
        let outcomes = try await journalCall {
            try await JournalCopy.copy(from: source, to: target) { run, outcome in
                switch outcome {
                case .copied(let events): print("run \(run): copied (\(counted(events, "event")))")
                case .skipped: print("run \(run): skipped (already in the target)")
                case .refused(let problem):
                    refused += 1
                    print("run \(run): NOT COPIED: its chain does not verify: \(problem.message)")
                }
            }
        }
        let copied = outcomes.filter { if case .copied = $0.outcome { true } else { false } }.count
        print(
            "\(counted(copied, "run")) copied, \(outcomes.count - copied - refused) skipped, \(refused) not copied")
        if refused > 0 {
            Terminal.error(
                "drover: \(counted(refused, "run")) of the source failed verification and \(refused == 1 ? "was" : "were")"
                    + " not copied (drover verify --journal \(from) names the altered events)")
            throw ExitCode(1)
        }
    }
}
