import ArgumentParser
import DroverEngine
import DroverJournal
import DroverModel
import DroverNotify
import Foundation

/// What `run` and `resume` share once the journal knows the run: lease the hosts (refusing a host another run
/// holds), run the engine with every event written ahead to the journal, keep the leases alive, release them,
/// print the recap and exit with the run's status.
struct RunSession {
    var journal: any Journal
    var runID: String
    var playbook: Playbook
    var inventory: Inventory
    var targets: [Host]
    var configuration: RolloutEngine.Configuration
    var fleet: FleetOptions
    /// Resume takes over its own run's leases from a controller found dead.
    var takeOverOwnLeases = false
    /// Record the refusal in the run (a fresh run is refused as a whole; a resume leaves the run as it was).
    var recordRefusal = true
    /// Where the run's events go besides the journal: the live lines or JSON.
    var reporter: RunReporter
    /// Raised by Ctrl-C, SIGTERM, or a journal that can no longer be written.
    var stop: StopSignal
    /// Writes each event ahead to the journal.
    var recorder: RunRecorder
    /// Stakeholder notices, when targets are configured.
    var notifier: Notifier<ContinuousClock>?

    /// The events plumbing for a run: the journal first (written ahead), then the output, then the notices.
    /// `RunRecorder.record` reports no answer yet: every event counts as durable (a failed write stops the run
    /// through the recorder's `onFailure`).
    static func sink(
        recorder: RunRecorder, reporter: RunReporter, notifier: Notifier<ContinuousClock>?
    ) -> @Sendable (RunEvent) async -> Recorded {
        { event in
            await recorder.record(event)
            reporter.handle(event)
            notifier?.handle(event)
            return .durable
        }
    }

    /// Leases every target host; on a conflict prints who holds what and exits 4 (REFUSED).
    func lease() throws {
        let request = LockRequest(
            run: runID, hosts: targets.map(\.name), operator: JournalOptions.operatorName,
            controller: ProcessInfo.processInfo.hostName, pid: getpid(), expiresAt: LeaseKeeper.expiry(),
            takeOverOwnRun: takeOverOwnLeases)
        let conflicts = try journalCall { try journal.acquireLocks(request) }
        guard !conflicts.isEmpty else { return }
        let holders = Dictionary(grouping: conflicts, by: \.run).sorted { $0.key < $1.key }
        let text = holders.map { run, locks in
            "\(counted(locks.count, "host")) (\(RunReporter.list(locks.map(\.host).sorted()))) locked by run \(run) "
                + "of \(locks[0].operator) until \(EventChain.timestamp(locks.map(\.expiresAt).max()!))"
        }.joined(separator: "; ")
        let reason = "host locked: " + text
        if recordRefusal {
            _ = try? journal.append(.note(JournalNote(kind: .refused, text: reason, hosts: conflicts.map(\.host))), run: runID)
        }
        Terminal.error("REFUSED (exit 4): \(reason)")
        Terminal.error("if that run's controller is gone, its leases expire within \(DurationText.format(LeaseKeeper.defaultTTL)); or: drover unlock HOST...")
        throw ExitCode(4)
    }

    /// A recorder for `run` whose journal failure stops the run (nothing new starts).
    static func recorder(journal: any Journal, run: String, stop: StopSignal) -> RunRecorder {
        RunRecorder(journal: journal, run: run) { error in
            Terminal.error("drover: the journal failed (\(error)); stopping: nothing new starts")
            stop.escalate()
        }
    }

    /// Runs the engine to its end and exits with the run's status.
    func execute() async throws {
        let reporter = self.reporter
        reporter.expect(stepsPerStage: playbook.stages.map(\.steps.count))
        let stop = self.stop
        let keeper = LeaseKeeper(journal: journal, run: runID)
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: targets, configuration: configuration,
            // A playbook runs many commands per host: one shared shell per session runs them.
            transport: fleet.transport(commands: .sharedShell), stop: stop,
            events: Self.sink(recorder: recorder, reporter: reporter, notifier: notifier))
        // The handler is in place before the engine starts: a Ctrl-C as the first step starts must count.
        let running = RunningTask()
        let journal = self.journal
        let runID = self.runID
        let interrupts = InterruptHandler { level in
            if level != .none {
                // Resume must know that failures from here on may come from the stop itself.
                _ = try? journal.append(
                    .note(
                        JournalNote(
                            kind: .stopRequested,
                            text: level == .abort
                                ? "the operator asked to abort in-flight steps" : "the operator asked the run to stop",
                            by: JournalOptions.operatorName)),
                    run: runID)
                reporter.stopRequested(abort: level == .abort)
            }
            switch level {
            case .finishInFlight:
                Terminal.error("\nstopping: nothing new starts; in-flight steps finish (Ctrl-C again to abort them)")
            case .abort:
                Terminal.error("\naborting in-flight steps")
                running.cancel()
            case .none:
                break
            }
        }
        interrupts.install(on: stop)
        let task = Task { await engine.run() }
        running.set(task)
        let summary = await task.value
        interrupts.uninstall()
        keeper.stop()
        try? journal.releaseLocks(run: runID)
        await notifier?.finish()
        await recorder.flush()
        reporter.recap(summary)
        if summary.status != .successful { throw ExitCode(summary.status.exitCode) }
    }
}

/// The engine's task, for a second Ctrl-C to cancel; a cancel that comes first is applied when the task is set.
private final class RunningTask: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<RunSummary, Never>?
    private var cancelled = false

    func set(_ task: Task<RunSummary, Never>) {
        let cancelNow = lock.withLock {
            self.task = task
            return cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = lock.withLock {
            cancelled = true
            return self.task
        }
        task?.cancel()
    }
}
