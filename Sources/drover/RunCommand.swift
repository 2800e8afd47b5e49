import ArgumentParser
import DroverEngine
import DroverJournal
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
            3 PARTIAL (failed hosts within the budget), 4 REFUSED (a target host is locked by another run),
            5 INTERRUPTED (continue with drover resume RUN), 64 invalid input.
            Ctrl-C once: start nothing new and let in-flight steps finish; twice: abort them.
            Every event is written to the journal before the next thing happens (see drover log, drover verify).
            """
    )

    @Argument(help: "The playbook file (YAML).")
    var playbook: String

    @OptionGroup var fleet: FleetOptions

    @Flag(help: "Connect and run checks, but change nothing: print what each step would do.")
    var check = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var journalOptions: JournalOptions

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
        // The journal first: a journal that cannot be written stops the run before any host is touched.
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
        try journalCall { try journal.begin(record) }
        let session = RunSession(
            journal: journal, runID: runID, playbook: loaded, inventory: inventory, targets: targets,
            configuration: .init(
                runID: runID, forks: fleet.forks, checkOnly: check,
                baseDirectory: InventoryLoader.directory(of: playbook)),
            fleet: fleet)
        try session.lease()
        try await session.execute()
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
