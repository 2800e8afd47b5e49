import ArgumentParser
import DroverEngine
import DroverRuntime
import Foundation

/// `drover resume RUN [-i INVENTORY]`: continues an interrupted run from the journal; completed steps never run
/// again. Parses its arguments and hands them to `RunCoordinator`, which runs resume and run along one path.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue an interrupted run; steps the journal records as completed are not run again.",
        discussion: """
            A resume runs with exactly the inputs the run recorded: the playbook is reloaded from its recorded path and
            must be unchanged (same SHA-256); the inventory (the recorded one, unless -i names another) must resolve to
            the same hosts, addresses and variables; -e values are the recorded ones, except secrets (names with pass,
            secret, token or key), which the journal never keeps: give those again with -e, they are checked against
            the run's digest. Otherwise it is refused (exit 64) saying what changed.
            A step recorded as started but not finished runs again only if it is marked idempotent: true; otherwise
            its host needs attention and resume stops (exit 5) — check the host, then pass --rerun-unfinished.
            A run whose controller may still be working is refused (exit 4), and of two resumes of one run at once
            only one goes ahead. The maintenance policy is checked again first: outside a window or in a blackout the
            run is not resumed (exit 4, the run stays INTERRUPTED), and no batch starts unless it fits before the
            window closes. Exit status as for drover run.
            """
    )

    @Argument(help: "The run id (drover runs lists them).")
    var runID: String

    @Option(name: .shortAndLong, help: "The inventory (default: the one the run used).")
    var inventory: String?

    @Option(name: [.customShort("e"), .customLong("extra-var")], help: ArgumentHelp(
        "A secret the run was started with (never journaled), again; other values must equal the recorded ones.",
        valueName: "name=value"))
    var extraVars: [String] = []

    @Option(help: "Upper bound on hosts worked on at once (default: the run's).", transform: FlagValues.forks)
    var forks: Int?

    @Option(help: "Time allowed for TCP connect, SSH handshake and login (e.g. 10s).", transform: FlagValues.connectTimeout)
    var connectTimeout: Duration = .seconds(10)

    @Option(help: "human or json (one object per event per line).")
    var output: OutputFormat = .human

    @Flag(help: "Run again the steps that were started but never finished, idempotent or not (after checking the hosts).")
    var rerunUnfinished = false

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var journalOptions: JournalOptions

    @OptionGroup var policyOptions: PolicyOptions

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        runOptions.bootstrapLogging()
        let stop = StopSignal()
        let signals = StopSignals(raising: stop)
        defer { signals.cancel() }
        let reporter = RunReporter(format: output)
        do {
            let request = ResumeRequest(
                runID: runID, inventoryPath: inventory, policyPath: policyOptions.policy, forks: forks,
                extraVars: try ExtraVariables.parse(extraVars), rerunUnfinished: rerunUnfinished,
                notify: !runOptions.noNotify, confirm: !runOptions.yes)
            let journal = try await journalOptions.open(callTimeout: runOptions.journalCallTimeout)
            let coordinator = RunCoordinator(
                RunOptions.services(
                    journal: journal, connectTimeout: connectTimeout,
                    console: TerminalConsole(reporter: reporter, format: output, yes: runOptions.yes),
                    leaseTime: runOptions.leaseTime,
                    journalTimeout: runOptions.journalTimeout))
            try RunOptions.finish(try await coordinator.resume(request, stop: stop), reporter: reporter)
        } catch let error as RuntimeError {
            throw RunOptions.fail(error)
        }
    }
}
