import ArgumentParser
import DroverEngine
import DroverLoading
import DroverModel
import DroverSSH
import Foundation

/// `drover run PLAYBOOK -i INV [--limit P] [--check] [--output json]`: the main job.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a playbook across the fleet in batches; halt and roll back when the rules say so.",
        discussion: """
            Exit status: 0 SUCCESSFUL, 1 FAILED (a rollback failed or none was defined), 2 ROLLED BACK,
            3 PARTIAL (failed hosts within the budget), 5 INTERRUPTED, 64 invalid input.
            Notices go to the notify targets of the policy (--policy, else policy.yml beside the inventory) or of
            the playbook; a notice that cannot be delivered is shown and never stops the run.
            Ctrl-C once: start nothing new and let in-flight steps finish; twice: abort them.
            """
    )

    @Argument(help: "The playbook file (YAML).")
    var playbook: String

    @OptionGroup var fleet: FleetOptions

    @Flag(help: "Connect and run checks, but change nothing: print what each step would do.")
    var check = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Option(help: ArgumentHelp("The maintenance policy (default: policy.yml beside the inventory, if any).", valueName: "file"))
    var policy: String?

    @Flag(name: .customLong("no-notify"), help: "Send no notices to the policy's or playbook's notify targets.")
    var noNotify = false

    func run() async throws {
        // A reader that goes away (`| head`) must not kill a rollout half-way.
        signal(SIGPIPE, SIG_IGN)
        let inventory = try fleet.selection.load()
        let loaded = try CommandSupport.playbook(playbook, inventory: inventory)
        let targets = try CommandSupport.hosts(in: inventory, limit: fleet.selection.limit)
        let runID = Self.newRunID()
        if !yes, !check, isatty(STDIN_FILENO) != 0, fleet.output == .human {
            let environment = inventory.environment.map { " in \($0)" } ?? ""
            guard Terminal.confirm("Run '\(loaded.name)' on \(targets.count) hosts\(environment)?") else {
                Terminal.error("not run")
                throw ExitCode(64)
            }
        }
        let reporter = RunReporter(format: fleet.output)
        let (notify, zone) = try RunNotifications.settings(
            policyPath: RunNotifications.policyPath(option: policy, inventory: fleet.selection.inventory),
            environment: inventory.environment, playbook: loaded)
        let notifier = try RunNotifications.notifier(
            settings: noNotify ? nil : notify, zone: zone, runID: runID, playbook: loaded,
            environment: inventory.environment, hostCount: targets.count, report: reporter.handle)
        let stop = StopSignal()
        let engine = RolloutEngine(
            playbook: loaded, inventory: inventory, targets: targets,
            configuration: .init(
                runID: runID, forks: fleet.forks, checkOnly: check,
                baseDirectory: InventoryLoader.directory(of: playbook)),
            transport: fleet.transport(), stop: stop,
            events: { event in
                reporter.handle(event)
                notifier?.handle(event)
            })
        let task = Task { await engine.run() }
        let interrupts = InterruptHandler { level in
            switch level {
            case .finishInFlight:
                Terminal.error("\nstopping: nothing new starts; in-flight steps finish (Ctrl-C again to abort them)")
            case .abort:
                Terminal.error("\naborting in-flight steps")
                task.cancel()
            case .none:
                break
            }
        }
        interrupts.install(on: stop)
        let summary = await task.value
        interrupts.uninstall()
        await notifier?.finish()
        reporter.recap(summary)
        if summary.status != .successful { throw ExitCode(summary.status.exitCode) }
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
