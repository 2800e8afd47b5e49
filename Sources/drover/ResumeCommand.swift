import ArgumentParser
import DroverEngine
import DroverJournal
import DroverLoading
import DroverModel
import Foundation

/// `drover resume RUN [-i INVENTORY]`: continues an interrupted run from the journal; completed steps never run
/// again.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue an interrupted run; steps the journal records as completed are not run again.",
        discussion: """
            The playbook is reloaded from the path the run recorded and must be unchanged (same SHA-256); the
            inventory too, unless -i names another. A step recorded as started but not finished runs again only
            if it is marked idempotent: true; otherwise its host needs attention and resume stops (exit 5) —
            check the host, then pass --rerun-unfinished. A run whose controller is still alive is refused (exit 4).
            The maintenance policy is checked again first: outside a window or in a blackout the run is not resumed
            (exit 4, the run stays INTERRUPTED), and no batch starts unless it fits before the window closes.
            Exit status as for drover run.
            """
    )

    @Argument(help: "The run id (drover runs lists them).")
    var runID: String

    @Option(name: .shortAndLong, help: "The inventory (default: the one the run used).")
    var inventory: String?

    @Option(help: "Upper bound on hosts worked on at once (default: the run's).")
    var forks: Int?

    @Option(help: "Time allowed for TCP connect, SSH handshake and login (e.g. 10s).", transform: parseDuration)
    var connectTimeout: Duration = .seconds(10)

    @Option(help: "human or json (one object per event per line).")
    var output: OutputFormat = .human

    @Flag(help: "Run again the steps that were started but never finished, idempotent or not (after checking the hosts).")
    var rerunUnfinished = false

    @OptionGroup var journalOptions: JournalOptions

    @OptionGroup var policyOptions: PolicyOptions

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let journal = try journalOptions.open()
        guard let record = try await journalCall({ try await journal.run(runID) }) else {
            Terminal.error("drover: the journal \(journalOptions.path) has no run '\(runID)' (drover runs lists them)")
            throw ExitCode(64)
        }
        if let status = record.status, status != .interrupted {
            Terminal.error("drover: run \(runID) already ended \(status.rawValue); there is nothing to resume")
            throw ExitCode(64)
        }
        let deadHolder = try await refuseIfLive(record, journal: journal)

        // The same playbook, byte for byte, or the recorded steps would not mean what they meant.
        let bytes = try? Data(contentsOf: URL(fileURLWithPath: record.playbookPath))
        guard let bytes else {
            Terminal.error("drover: cannot read the run's playbook \(record.playbookPath)")
            throw ExitCode(64)
        }
        guard EventChain.sha256(bytes) == record.playbookHash else {
            Terminal.error(
                "drover: the playbook \(record.playbookPath) changed since run \(runID) started; refusing to resume "
                    + "(restore it, or start a new run)")
            throw ExitCode(64)
        }
        var fleet = try FleetOptions.parse([
            "-i", inventory ?? record.inventoryPath, "--limit", record.limit, "--forks", String(forks ?? record.forks),
            "--connect-timeout", "\(connectTimeout.components.seconds)s", "--output", output.rawValue,
        ])
        fleet.selection.sshConfig = record.sshConfig
        let loadedInventory = try fleet.selection.load()
        let playbook = try CommandSupport.playbook(record.playbookPath, inventory: loadedInventory)
        let targets = try CommandSupport.hosts(in: loadedInventory, limit: record.limit)

        // Every event, or a refusal naming the one this Drover cannot read: a dropped step_finished would run a
        // completed step again.
        let events = try await journalCall { try await journal.events(run: runID) }
        let entries = try await journalCall { try events.map { try $0.entry() } }
        // The policy again: resuming is starting work, and the window may have closed since. A run started as an
        // approved emergency continues as the same emergency (the policy still decides whether that may override).
        let emergency = entries.lazy.reversed().compactMap { entry -> EmergencyOverride? in
            if case .event(.emergencyOverride(let override)) = entry { return override }
            return nil
        }.first
        let (policy, _) = try policyOptions.load(inventoryPath: inventory ?? record.inventoryPath)
        let gate = PolicyGate.decide(
            policy: policy, environment: loadedInventory.environment, change: playbook.change,
            emergency: emergency.map { PolicyGate.Emergency(reason: $0.reason, approvedBy: $0.approvedBy) }, at: Date())
        guard gate.allowed else {
            _ = try? await journal.append(
                .note(JournalNote(kind: .resumeRefused, text: "resume refused: " + gate.check.sentence, by: JournalOptions.operatorName)),
                run: runID)
            Terminal.error(gate.check.sentence)
            Terminal.error("not resumed: run \(runID) stays INTERRUPTED; resume it in the next opening")
            throw ExitCode(RunStatus.refused.exitCode)
        }
        let batchGate = gate.batchGate(now: { Date() }, firstBatchEstimate: nil)

        let plan = ResumePlan(entries: entries, playbook: playbook, rerunUnfinished: rerunUnfinished)
        guard plan.canContinue else {
            for ref in plan.needsAttention {
                let host = ref.delegatedTo ?? ref.host
                let text =
                    "\(host) needs attention: '\(ref.name)' (stage \(ref.stage + 1), \(ref.phase.rawValue) step "
                    + "\(ref.step + 1)) was started but never finished, and it is not marked idempotent"
                _ = try? await journal.append(
                    .note(JournalNote(kind: .needsAttention, text: text, hosts: [host], by: JournalOptions.operatorName)),
                    run: runID)
                Terminal.error(text)
            }
            Terminal.error(
                "not resumed: check \(plan.hostsNeedingAttention.joined(separator: ", ")), then run "
                    + "drover resume \(runID) --rerun-unfinished")
            throw ExitCode(RunStatus.interrupted.exitCode)
        }

        let reporter = RunReporter(format: fleet.output)
        let stop = StopSignal()
        let fence = RunSession.fence(runID: runID, targets: targets)
        let session = RunSession(
            journal: journal, runID: runID, playbook: playbook, inventory: loadedInventory, targets: targets,
            configuration: .init(
                runID: runID, forks: fleet.forks, checkOnly: record.checkOnly,
                baseDirectory: InventoryLoader.directory(of: record.playbookPath),
                gates: .standard(
                    overrunFactor: gate.environmentPolicy?.overrunFactor ?? EnvironmentPolicy.defaultOverrunFactor,
                    onOverrun: gate.environmentPolicy?.onOverrun ?? .haltAndRollback, window: batchGate),
                resume: plan.state),
            fleet: fleet, takeOverFrom: deadHolder, recordRefusal: false, reporter: reporter, stop: stop,
            recorder: RunSession.recorder(journal: journal, run: runID, fence: fence, stop: stop), notifier: nil)
        try await session.lease()
        let rerun = plan.rerun.map { "'\($0.name)' on \($0.host)" }
        _ = try await journalCall {
            try await journal.append(
                .note(
                    JournalNote(
                        kind: .resumed,
                        text: "\(JournalOptions.operatorName) resumed the run: \(plan.state.completed.count) completed "
                            + "steps are not run again"
                            + (rerun.isEmpty ? "" : "; cut-off steps run again: " + rerun.joined(separator: ", ")),
                        hosts: plan.rerun.map(\.host), by: JournalOptions.operatorName)),
                run: runID)
        }
        if output == .human {
            print("resuming run \(runID): \(plan.state.completed.count) completed steps will not run again")
        }
        if let override = gate.check.emergency {
            // Recorded (and shown) again: this part of the run, too, ran under the override.
            await RunSession.sink(recorder: session.recorder, reporter: reporter, notifier: nil)(.emergencyOverride(override))
        }
        try await session.execute()
    }

    /// A run whose controller still holds leases and may be working is live: resuming it would run steps twice at
    /// once. Refuses (exit 4) naming that controller.
    /// - Returns: the run's holder found provably dead (its leases are taken over from exactly it), or nil.
    private func refuseIfLive(_ record: RunRecord, journal: any Journal) async throws -> LeaseHolder? {
        let (leases, now) = try await journalCall { (try await journal.leases(), try await journal.now()) }
        let held = leases.filter { $0.holder.run == record.id && $0.isHeld(at: now) }
        var dead: LeaseHolder?
        for lease in held {
            switch JournalOptions.liveness(lease, now: now) {
            case .dead, .lapsed:
                dead = dead ?? lease.holder
            case .alive:
                Terminal.error(
                    "REFUSED (exit 4): run \(record.id) is still live: its controller (pid \(lease.holder.pid), "
                        + "\(lease.holder.operator)) holds \(counted(held.count, "machine"))")
                throw ExitCode(4)
            case .unknown:
                Terminal.error(
                    "REFUSED (exit 4): run \(record.id) may still be live on \(lease.holder.controller) (pid "
                        + "\(lease.holder.pid)); its leases expire at \(EventChain.timestamp(lease.expiresAt)) (or: drover "
                        + "unlock \(lease.names.joined(separator: " ")))")
                throw ExitCode(4)
            }
        }
        return dead
    }
}
