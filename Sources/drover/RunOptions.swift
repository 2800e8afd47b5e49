import ArgumentParser
import DroverJournal
import DroverModel
import DroverRuntime
import Foundation
import Logging

/// What `run` and `resume` share besides the fleet: confirmation, notices, leases and diagnostics.
struct RunOptions: ParsableArguments {
    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Flag(name: .customLong("no-notify"), help: "Send no notices to the policy's or playbook's notify targets.")
    var noNotify = false

    @Option(
        help: "How long a host lease lasts unless renewed (renewed every third of it while the run lives; e.g. 2m).",
        transform: FlagValues.leaseTime)
    var leaseTime: Duration = LeaseKeeper.defaultTTL

    @Flag(help: "Print diagnostics (leases, gate verdicts, the run's phases) on stderr.")
    var verbose = false

    /// Sends swift-log's output to stderr: everything with `--verbose`, else only errors.
    func bootstrapLogging() {
        let level: Logger.Level = verbose ? .debug : .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// This controller, as its leases record it.
    static var identity: ControllerIdentity {
        ControllerIdentity(operator: JournalOptions.operatorName, machine: JournalOptions.thisMachine, pid: getpid())
    }

    /// The runtime's services for this process, around `journal` and the console.
    static func services(
        journal: any Journal, connectTimeout: Duration, console: TerminalConsole, leaseTime: Duration,
        clock: any RunClock = SystemRunClock()
    ) -> RunCoordinator.Services {
        .init(
            journal: journal, transport: FleetOptions.runTransport(connectTimeout: connectTimeout), clock: clock,
            console: console, identity: identity, processExists: JournalOptions.processExists, leaseTime: leaseTime)
    }

    /// Ends the command as the run ended: the recap, then the run's exit status.
    static func finish(_ outcome: RunOutcome, reporter: RunReporter) throws {
        if let summary = outcome.summary { reporter.recap(summary) }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    /// Prints a runtime refusal or failure and exits with its status.
    static func fail(_ error: RuntimeError) -> ExitCode {
        if !error.message.isEmpty {
            for line in error.message.split(separator: "\n", omittingEmptySubsequences: false) {
                Terminal.error(String(line))
            }
        }
        return ExitCode(error.exitCode)
    }
}
