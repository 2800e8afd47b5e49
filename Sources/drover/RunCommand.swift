import ArgumentParser
import DroverEngine
import DroverJournal
import DroverLoading
import DroverModel
import DroverNotify
import DroverSSH
import Foundation

/// `drover run PLAYBOOK -i INV [--limit P] [--check] [--output json]`: the main job.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a playbook across the fleet in batches; halt and roll back when the rules say so.",
        discussion: """
            Exit status: 0 SUCCESSFUL, 1 FAILED (a rollback failed or none was defined), 2 ROLLED BACK,
            3 PARTIAL (failed hosts within the budget, or stopped at window end), 4 REFUSED (the policy forbade
            the run: window, blackout, missing approval; or a target host is locked by another run), 5 INTERRUPTED
            (continue with drover resume RUN), 64 invalid input.
            The policy (--policy, default policy.yml beside the inventory) is checked before connecting; no batch
            starts unless it can finish before the window closes. Notices go to the notify targets of the policy or
            of the playbook; a notice that cannot be delivered is shown and never stops the run.
            Ctrl-C once: start nothing new and let in-flight steps finish; twice: abort them.
            Every event is written to the journal before the next thing happens (see drover log, drover verify).
            """
    )

    @Argument(help: "The playbook file (YAML).")
    var playbook: String

    @OptionGroup var fleet: FleetOptions

    @Option(name: [.customShort("e"), .customLong("extra-var")], help: ArgumentHelp(
        "Set a playbook variable, over the playbook's own (repeatable).", valueName: "name=value"))
    var extraVars: [String] = []

    @Flag(help: "Connect and run checks, but change nothing: print what each step would do.")
    var check = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var policyOptions: PolicyOptions

    @Flag(name: .customLong("no-notify"), help: "Send no notices to the policy's or playbook's notify targets.")
    var noNotify = false

    @Flag(help: "An approved emergency: may run in blackouts and outside windows where the policy allows it.")
    var emergency = false

    @Option(help: "Why the emergency cannot wait (with --emergency; recorded).")
    var reason: String?

    @Option(name: .customLong("approved-by"), help: "Who approved the emergency (with --emergency; recorded).")
    var approvedBy: String?

    @Flag(help: "When the policy refuses the run for its time, wait for the next opening instead of exiting 4.")
    var waitForWindow = false

    @Option(help: "With --wait-for-window: the longest wait (e.g. 12h); a later opening exits 4.", transform: parseDuration)
    var maxWait: Duration = .seconds(12 * 3600)

    /// For tests: judge the policy as if the run started at this instant; the clock then runs on in real time.
    @Option(help: .hidden, transform: InstantText.parse)
    var now: Date?

    func validate() throws {
        if emergency {
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty,
                let approvedBy, !approvedBy.trimmingCharacters(in: .whitespaces).isEmpty
            else { throw ValidationError("--emergency needs --reason TEXT and --approved-by NAME") }
        } else if reason != nil || approvedBy != nil {
            throw ValidationError("--reason and --approved-by go with --emergency")
        }
    }

    @OptionGroup var journalOptions: JournalOptions

    func run() async throws {
        // A reader that goes away (`| head`) must not kill a rollout half-way.
        signal(SIGPIPE, SIG_IGN)
        // A parent may hand us SIGINT/SIGTERM blocked (some process launchers do); Ctrl-C must still work.
        var interruptSignals = sigset_t()
        sigemptyset(&interruptSignals)
        sigaddset(&interruptSignals, SIGINT)
        sigaddset(&interruptSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &interruptSignals, nil)
        let inventory = try fleet.selection.load()
        let loaded = try CommandSupport.playbook(playbook, inventory: inventory, extraVars: extraVars)
        let targets = try CommandSupport.hosts(in: inventory, limit: fleet.selection.limit)
        let runID = Self.newRunID()
        let reporter = RunReporter(format: fleet.output)

        // The journal first: a journal that cannot be written stops the run before any host is touched, and a
        // refused run is recorded like any other.
        let journal = try journalOptions.open()
        let playbookPath = URL(fileURLWithPath: playbook).standardizedFileURL.path
        let playbookBytes = (try? Data(contentsOf: URL(fileURLWithPath: playbookPath))) ?? Data()
        let record = RunRecord(
            id: runID, playbook: loaded.name, playbookPath: playbookPath,
            playbookHash: EventChain.sha256(playbookBytes),
            inventoryPath: URL(fileURLWithPath: fleet.selection.inventory).standardizedFileURL.path,
            limit: fleet.selection.limit, sshConfig: fleet.selection.sshConfig, forks: fleet.forks,
            environment: inventory.environment, operator: JournalOptions.operatorName, change: loaded.change,
            hostCount: targets.count, checkOnly: check, outline: StageOutline.of(loaded), startedAt: Date())
        try await journalCall { try await journal.begin(record) }
        let stop = StopSignal()
        let recorder = RunSession.recorder(
            journal: journal, run: runID, fence: RunSession.fence(runID: runID, targets: targets), stop: stop)
        let emit: @Sendable (RunEvent) async -> Void = { event in
            _ = await recorder.record(event)
            reporter.handle(event)
        }
        // Notices report their deliveries from code that cannot wait: queued, written in order, flushed at the end.
        let report: @Sendable (RunEvent) -> Void = { event in
            recorder.submit(event)
            reporter.handle(event)
        }
        let startEvent = RunEvent.runStarted(
            RunStarted(
                runID: runID, playbook: loaded.name, environment: inventory.environment, change: loaded.change,
                hostCount: targets.count, check: check))
        await emit(startEvent)

        // The policy, before connecting to anything.
        let (policy, source) = try policyOptions.load(inventoryPath: fleet.selection.inventory)
        let started = Date()
        let base = now ?? started
        let wallClock: @Sendable () -> Date = { base.addingTimeInterval(Date().timeIntervalSince(started)) }
        let request = emergency ? PolicyGate.Emergency(reason: reason!, approvedBy: approvedBy!) : nil
        func decide() -> PolicyGate.Outcome {
            PolicyGate.decide(
                policy: policy, environment: inventory.environment, change: loaded.change, emergency: request,
                at: wallClock())
        }
        var gate = decide()
        if policy == nil { reporter.note(source) }
        if !gate.allowed, waitForWindow, gate.refusedForTime {
            if let opening = gate.verdict.nextOpening,
                opening.timeIntervalSince(wallClock()) <= Double(maxWait.components.seconds)
            {
                await emit(.waitingForWindow(opensAt: PolicyGate.seconds(opening), window: gate.verdict.nextWindow))
                while wallClock() < opening {
                    let seconds = min(60, max(1, opening.timeIntervalSince(wallClock())))
                    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                }
                gate = decide()
            } else {
                gate.check.sentence += "; that is further away than --max-wait \(DurationText.format(maxWait))"
            }
        }
        await emit(.policyChecked(gate.check))
        let notifier = try RunNotifications.notifier(
            settings: noNotify || check
                ? nil : RunNotifications.settings(policy: policy, environment: inventory.environment, playbook: loaded),
            zone: RunNotifications.zone(of: policy), runID: runID, playbook: loaded,
            environment: inventory.environment, hostCount: targets.count,
            window: gate.closesAt.map { NoticeWindow(name: Self.windowName(gate.verdict), end: $0) }, report: report)
        guard gate.allowed else {
            notifier?.refused(reason: gate.check.sentence)
            await notifier?.finish()
            await emit(.runFinished(status: .refused, reason: gate.check.sentence, duration: .zero))
            throw ExitCode(RunStatus.refused.exitCode)
        }
        if !yes, !check, isatty(STDIN_FILENO) != 0, fleet.output == .human {
            let environment = inventory.environment.map { " in \($0)" } ?? ""
            guard Terminal.confirm("Run '\(loaded.name)' on \(targets.count) hosts\(environment)?") else {
                await emit(.runFinished(status: .refused, reason: "the operator declined at the confirmation prompt", duration: .zero))
                Terminal.error("not run")
                throw ExitCode(64)
            }
        }
        notifier?.handle(startEvent)
        if let record = gate.check.emergency { await emit(.emergencyOverride(record)) }
        let environmentPolicy = gate.environmentPolicy
        let planned = RunPlan(playbook: loaded, inventory: inventory, targets: targets).stages
            .map(\.batches.count).reduce(0, +)
        let batchGate = gate.batchGate(
            now: wallClock, firstBatchEstimate: loaded.change.estimate.map { $0 / max(1, planned) })

        var configuration = RolloutEngine.Configuration(
            runID: runID, forks: fleet.forks, checkOnly: check, baseDirectory: InventoryLoader.directory(of: playbook),
            gates: .standard(
                overrunFactor: environmentPolicy?.overrunFactor ?? EnvironmentPolicy.defaultOverrunFactor,
                onOverrun: environmentPolicy?.onOverrun ?? .haltAndRollback, window: batchGate))
        configuration.announcesStart = false
        let session = RunSession(
            journal: journal, runID: runID, playbook: loaded, inventory: inventory, targets: targets,
            configuration: configuration, fleet: fleet, reporter: reporter, stop: stop, recorder: recorder,
            notifier: notifier)
        try await session.lease()
        try await session.execute()
    }

    /// The window a run is inside, for notices ("Primary"); nil outside windows or without restrictions.
    static func windowName(_ verdict: WindowVerdict) -> String? {
        if case .window(let name) = verdict.basis { return name }
        return nil
    }

    /// `20261123-021500-7f3a`: sortable, readable, unique enough for one controller.
    static func newRunID(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: now) + "-" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
    }
}

/// SIGINT and SIGTERM raise a `StopSignal` one level per signal.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let onChange: @Sendable (StopSignal.Level) -> Void

    init(onChange: @escaping @Sendable (StopSignal.Level) -> Void) {
        self.onChange = onChange
    }

    func install(on stop: StopSignal) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [onChange] in onChange(stop.escalate()) }
            source.resume()
            sources.append(source)
        }
    }

    func uninstall() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
