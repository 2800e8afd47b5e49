import ArgumentParser
import DroverJournal
import Foundation

/// `drover verify [RUN]`: recomputes the journal's hash chains; exits 1 naming the first bad event of each run.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the journal's hash chain (one run, or all); exit 1 naming the first altered or missing event.",
        discussion: """
            Events whose chain is intact but that this Drover cannot read (written by a newer Drover) are named too;
            they do not fail verification. A journal file that cannot be read at all is named with why (exit 1).
            """)

    @Argument(help: "The run id (default: every run).")
    var runID: String?

    @OptionGroup var journalOptions: JournalOptions

    func run() async throws {
        let journal = try await journalOptions.open()
        let reports = try await journalCall { try await journal.verify(run: runID) }
        var broken = 0
        for report in reports {
            if let problem = report.problem {
                broken += 1
                print("run \(report.run): TAMPERED: \(problem.message)")
            } else {
                print("run \(report.run): ok (\(counted(report.events, "event")))")
            }
            // An intact chain whose events this Drover cannot read is not tampering: name them, exit 0.
            for unreadable in report.unreadable { print("run \(report.run): cannot read: \(unreadable)") }
        }
        if broken > 0 {
            Terminal.error("\(counted(broken, "run")) of \(reports.count) failed verification")
            throw ExitCode(1)
        }
        print("\(counted(reports.count, "run")) verified")
    }
}
