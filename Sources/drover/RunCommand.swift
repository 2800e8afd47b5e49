import ArgumentParser
import DroverEngine
import DroverModel
import DroverRuntime
import DroverSSH
import Foundation

/// `drover run PLAYBOOK -i INV [--limit P] [--check] [--output json]`: the main job. Parses its arguments and hands
/// them to `RunCoordinator`, which does the run.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a playbook across the fleet in batches; halt and roll back when the rules say so.",
        discussion: """
            Exit status: 0 SUCCESSFUL, 1 FAILED (a rollback failed or none was defined), 2 ROLLED BACK,
            3 PARTIAL (failed hosts within the budget, or stopped at window end), 4 REFUSED (the policy forbade
            the run: window, blackout, missing approval; or a target host is leased by another run), 5 INTERRUPTED
            (continue with drover resume RUN), 64 invalid input.
            The policy (--policy, default policy.yml beside the inventory) is checked before connecting; no batch
            starts unless it can finish before the window closes. Notices go to the notify targets of the policy or
            of the playbook; a notice that cannot be delivered is shown and never stops the run.
            Ctrl-C, SIGTERM or SIGHUP once: start nothing new and let in-flight steps finish; twice: abort them.
            Every event is written to the journal before the next thing happens (see drover log, drover verify).
            """
    )

    @Argument(help: "The playbook file (YAML).")
    var playbook: String

    @OptionGroup var fleet: FleetOptions

    @Option(name: [.customShort("e"), .customLong("extra-var")], help: ArgumentHelp(
        "Set a playbook variable, over the playbook's own (repeatable; recorded for resume, secrets only as a digest).",
        valueName: "name=value"))
    var extraVars: [String] = []

    @Flag(help: "Connect and run checks, but change nothing: print what each step would do.")
    var check = false

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var policyOptions: PolicyOptions

    @Flag(help: "An approved emergency: may run in blackouts and outside windows where the policy allows it.")
    var emergency = false

    @Option(help: "Why the emergency cannot wait (with --emergency; recorded).")
    var reason: String?

    @Option(name: .customLong("approved-by"), help: "Who approved the emergency (with --emergency; recorded).")
    var approvedBy: String?

    @Flag(help: "When the policy refuses the run for its time, wait for the next opening instead of exiting 4.")
    var waitForWindow = false

    @Option(help: "With --wait-for-window: the longest wait (e.g. 12h); a later opening exits 4.", transform: FlagValues.maximumWait)
    var maxWait: Duration = .seconds(12 * 3600)

    /// For tests: judge the policy as if the run started at this instant; the clock then runs on in real time.
    @Option(help: .hidden, transform: InstantText.parse)
    var now: Date?

    @OptionGroup var journalOptions: JournalOptions

    func validate() throws {
        if emergency {
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty,
                let approvedBy, !approvedBy.trimmingCharacters(in: .whitespaces).isEmpty
            else { throw ValidationError("--emergency needs --reason TEXT and --approved-by NAME") }
        } else if reason != nil || approvedBy != nil {
            throw ValidationError("--reason and --approved-by go with --emergency")
        }
    }

    func run() async throws {
        // A reader that goes away (`| head`) must not kill a rollout half-way.
        signal(SIGPIPE, SIG_IGN)
        runOptions.bootstrapLogging()
        let stop = StopSignal()
        let signals = StopSignals(raising: stop)
        defer { signals.cancel() }
        let reporter = RunReporter(format: fleet.output)
        let request: RunRequest
        do {
            request = RunRequest(
                playbookPath: playbook, inventoryPath: fleet.selection.inventory, sshConfig: fleet.selection.sshConfig,
                limit: fleet.selection.limit, extraVars: try ExtraVariables.parse(extraVars),
                policyPath: policyOptions.policy, check: check, forks: fleet.forks,
                emergency: emergency ? PolicyGate.Emergency(reason: reason!, approvedBy: approvedBy!) : nil,
                waitForWindow: waitForWindow ? maxWait : nil, notify: !runOptions.noNotify, confirm: !runOptions.yes)
            let journal = try await journalOptions.open(callTimeout: runOptions.journalCallTimeout)
            let coordinator = RunCoordinator(
                RunOptions.services(
                    journal: journal, connectTimeout: fleet.connectTimeout,
                    console: TerminalConsole(reporter: reporter, format: fleet.output, yes: runOptions.yes),
                    leaseTime: runOptions.leaseTime,
                    journalTimeout: runOptions.journalTimeout, clock: SystemRunClock(judgedAt: now)))
            try RunOptions.finish(try await coordinator.run(request, stop: stop), reporter: reporter)
        } catch let error as RuntimeError {
            throw RunOptions.fail(error)
        }
    }
}
