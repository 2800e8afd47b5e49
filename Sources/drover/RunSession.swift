import ArgumentParser
import DroverEngine
import DroverJournal
import DroverModel
import DroverNotify
import Foundation
import Synchronization

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
    /// Resume takes over its own run's leases from exactly this holder, a controller it found dead.
    var takeOverFrom: LeaseHolder?
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

    /// The events plumbing for a run: the journal first (written ahead), then the output, then the notices. The
    /// journal's answer goes back to the engine: a step whose announcement was fenced off (lease lost) or not
    /// written does not start, and only what was written is shown.
    static func sink(
        recorder: RunRecorder, reporter: RunReporter, notifier: Notifier<ContinuousClock>?
    ) -> @Sendable (RunEvent) async -> Recorded {
        { event in
            let recorded = await recorder.record(event)
            guard recorded == .durable else { return recorded }
            reporter.handle(event)
            notifier?.handle(event)
            return recorded
        }
    }

    /// The run's holder (this process) and its targets' machines, for leasing and for the journal's fencing check.
    static func fence(runID: String, targets: [Host]) -> LeaseFence {
        LeaseFence(
            holder: JournalOptions.holder(run: runID),
            machines: Dictionary(targets.map { ($0.name, $0.connection.machineKey) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Leases every target machine; on a conflict prints who holds what, on both sides, and exits 4 (REFUSED).
    func lease() async throws {
        let fence = Self.fence(runID: runID, targets: targets)
        let request = LeaseRequest(holder: fence.holder, targets: fence.targets, takeOverFrom: takeOverFrom)
        let conflicts = try await journalCall { try await journal.acquireLeases(request) }
        guard !conflicts.isEmpty else { return }
        let now = (try? await journal.now()) ?? Date()
        let holders = Dictionary(grouping: conflicts, by: \.held.holder).sorted { $0.key.run < $1.key.run }
        let text = holders.map { holder, conflicts in
            let machines = conflicts.map { conflict in
                let theirs = conflict.held.names.filter { !conflict.wanted.names.contains($0) }
                let also = theirs.isEmpty ? "" : ", also called \(theirs.joined(separator: ", ")) by run \(holder.run)"
                return "\(conflict.wanted.names.joined(separator: ", ")) (\(conflict.wanted.machine)\(also))"
            }
            let until = conflicts.map(\.held.expiresAt).max().map(EventChain.timestamp) ?? "?"
            return "\(machines.joined(separator: "; ")) locked by \(holder) until \(until)"
        }.joined(separator: "; ")
        let reason = "host locked: " + text
        if recordRefusal {
            _ = try? await journal.append(
                .note(JournalNote(kind: .refused, text: reason, hosts: conflicts.flatMap(\.wanted.names))), run: runID)
        }
        Terminal.error("REFUSED (exit 4): \(reason)")
        for (holder, conflicts) in holders {
            let hosts = conflicts.flatMap(\.held.names).joined(separator: " ")
            if JournalOptions.liveness(conflicts[0].held, now: now) == .dead {
                Terminal.error(
                    "run \(holder.run)'s controller (pid \(holder.pid) on this machine) is gone: continue that run with "
                        + "drover resume \(holder.run), or free its hosts with drover unlock \(hosts) (no --force needed)")
            } else {
                Terminal.error(
                    "if run \(holder.run)'s controller is gone, its leases lapse by \(EventChain.timestamp(conflicts[0].held.expiresAt)) "
                        + "unless renewed; or: drover unlock \(hosts)")
            }
        }
        throw ExitCode(4)
    }

    /// A recorder for `run` whose journal failure stops the run (nothing new starts), fenced on the run's leases.
    static func recorder(journal: any Journal, run: String, fence: LeaseFence, stop: StopSignal) -> RunRecorder {
        RunRecorder(journal: journal, run: run, fence: fence) { error in
            Terminal.error("drover: the journal failed (\(error)); stopping: nothing new starts")
            stop.escalate()
        }
    }

    /// Runs the engine to its end and exits with the run's status.
    func execute() async throws {
        let reporter = self.reporter
        reporter.expect(stepsPerStage: playbook.stages.map(\.steps.count))
        let stop = self.stop
        let recorder = self.recorder
        let stage = Mutex(0)
        let sink = Self.sink(recorder: recorder, reporter: reporter, notifier: notifier)
        let fence = Self.fence(runID: runID, targets: targets)
        let keeper = LeaseKeeper(journal: journal, fence: fence) { losses in
            // No step_started is written on those machines from now on; say so in a line, an event and the journal.
            recorder.leasesLost(losses)
            let current = stage.withLock { $0 }
            for loss in losses {
                for host in loss.names {
                    let event = RunEvent.leaseLost(stage: current, host: host, reason: loss.reason)
                    recorder.submit(event)
                    reporter.handle(event)
                }
            }
        }
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: targets, configuration: configuration,
            // A playbook runs many commands per host: one shared shell per session runs them.
            transport: fleet.transport(commands: .sharedShell), stop: stop,
            events: { event in
                if case .stageStarted(let index, _, _, _) = event { stage.withLock { $0 = index } }
                return await sink(event)
            })
        // The handler is in place before the engine starts: a Ctrl-C as the first step starts must count.
        let running = RunningTask()
        let interrupts = InterruptHandler { level in
            if level != .none {
                // Resume must know that failures from here on may come from the stop itself: queued with the run's
                // own events, so everything recorded after this point is written after it.
                recorder.submit(
                    note: JournalNote(
                        kind: .stopRequested,
                        text: level == .abort
                            ? "the operator asked to abort in-flight steps" : "the operator asked the run to stop",
                        by: JournalOptions.operatorName))
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
        await keeper.stop()
        try? await journal.releaseLeases(fence.holder)
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
