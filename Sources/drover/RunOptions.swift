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

    @Option(
        help: ArgumentHelp(
            "How long a run waits for a journal it cannot reach before it stops INTERRUPTED (e.g. 60s).",
            discussion:
                "Meanwhile nothing new starts; steps under way finish and their results are held, then written in "
                + "order once the journal answers."),
        transform: FlagValues.journalTimeout)
    var journalTimeout: Duration = RunCoordinator.defaultJournalTimeout

    /// How long one call to a journal server may go unanswered: at most the journal timeout (an attempt must not
    /// outlast the patience), at most 30 s.
    var journalCallTimeout: Duration { min(journalTimeout, .seconds(30)) }

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
        journalTimeout: Duration, clock: any RunClock = SystemRunClock()
    ) -> RunCoordinator.Services {
        var services = RunCoordinator.Services(
            journal: journal, transport: FleetOptions.runTransport(connectTimeout: connectTimeout), clock: clock,
            console: console, identity: identity, processExists: JournalOptions.processExists, leaseTime: leaseTime)
        services.journalTimeout = journalTimeout
        return services
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
