import ArgumentParser
import DroverJournal
import Foundation

/// `drover verify [RUN]`: recomputes the journal's hash chains; exits 1 naming the first bad event of each run.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the journal's hash chain (one run, or all); exit 1 naming the first altered or missing event.")

    @Argument(help: "The run id (default: every run).")
    var runID: String?

    @OptionGroup var journalOptions: JournalOptions

    func run() throws {
        let journal = try journalOptions.open()
        let reports = try journalCall { try journal.verify(run: runID) }
        var broken = 0
        for report in reports {
            if let problem = report.problem {
                broken += 1
                print("run \(report.run): TAMPERED: \(problem.message)")
            } else {
                print("run \(report.run): ok (\(counted(report.events, "event")))")
            }
        }
        if broken > 0 {
            Terminal.error("\(counted(broken, "run")) of \(reports.count) failed verification")
            throw ExitCode(1)
        }
        print("\(counted(reports.count, "run")) verified")
    }
}
