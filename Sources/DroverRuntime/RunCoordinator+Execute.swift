import DroverAnalysis
import DroverEngine
import DroverJournal
import DroverModel
import Foundation
import Logging

/// What a prepared run (fresh or resumed) hands to the one path both take.
struct Execution: Sendable {
    var runID: String
    var playbook: Playbook
    var inventory: Inventory
    var targets: [DroverModel.Host]
    var check: Bool
    var forks: Int
    /// Where the playbook lives: `upload` and `script` paths are relative to it.
    var baseDirectory: String
    /// The policy's verdict for the run (its window's end, overrun rules).
    var gate: PolicyGate.Outcome
    /// The first batch's expected length (window fit before any batch was measured) and the analysis soak (overrun).
    var time: PlannedTime
    /// What an interrupted run already did (resume).
    var resume: ResumeState?
    var fence: LeaseFence
    var notices: (any RunNotices)?
    /// `--policy`, for the approvers a `continue` answered on the terminal needs (as `drover decide --policy`).
    var policyPath: String?
}

/// What a run's time is judged by before any batch is measured (`RunCoordinator.plannedTime`).
struct PlannedTime: Sendable {
    /// The expected length of the first batch, for window fit before any batch was measured.
    var firstBatchEstimate: Duration?
    /// The least the run's analyses keep its batches: overrun never judges the run by a shorter estimate.
    var analysisSoak: Duration
}

extension RunCoordinator {
    /// The one path of run and resume once the run holds its machines: the engine with every event written ahead,
    /// the leases kept alive (a lost one said in a line, an event and the journal), stops answered, and everything
    /// the run started ended before it returns (leases released, notices sent or given up, the journal flushed,
    /// every session closed), so nothing of it still works when the command exits.
    func execute(
        _ execution: Execution, sink: RunSink, responder: StopResponder, stop: StopSignal, logger: Logger
    ) async -> RunOutcome {
        let services = self.services
        let clock = services.clock
        let console = services.console
        console.expect(stepsPerStage: execution.playbook.stages.map(\.steps.count))
        let rules = execution.gate.environmentPolicy
        let head = (try? await services.journal.run(execution.runID))?.head.count ?? 0
        let notices = execution.notices
        let extensions = WindowExtensions(journal: services.journal, run: execution.runID, after: head) { window in
            console.say(.note("the window was extended to \(EventChain.timestamp(window.to)): \(window.reason)"))
            notices?.windowExtended(to: window.to, reason: window.reason)
        }
        var configuration = RolloutEngine.Configuration(
            runID: execution.runID, forks: execution.forks, checkOnly: execution.check,
            baseDirectory: execution.baseDirectory,
            gates: .standard(
                overrunFactor: rules?.overrunFactor ?? EnvironmentPolicy.defaultOverrunFactor,
                onOverrun: rules?.onOverrun ?? .haltAndRollback, analysisSoak: execution.time.analysisSoak,
                window: execution.gate.batchGate(
                    now: { clock.date }, firstBatchEstimate: execution.time.firstBatchEstimate,
                    extendedEnd: { await extensions.latest() })),
            resume: execution.resume)
        configuration.announcesStart = false
        // A pause is answered with `drover decide` from any shell with the journal, or on the run's own terminal.
        let prompt = PausePrompt(
            console: console, answerer: PauseAnswerer(journal: services.journal, loader: services.loader),
            run: execution.runID, operator: services.identity.operator, policyPath: execution.policyPath)
        let operators = JournalOperator(journal: services.journal, run: execution.runID, prompt: prompt)
        configuration.operatorDecisions = operators
        // A resumed run that was PAUSED when its controller died waits at the same pause again.
        var resumedPause: Decision?
        if execution.resume != nil, let events = try? await services.journal.events(run: execution.runID) {
            resumedPause = OpenPause.of(events)?.decision
        }
        if execution.playbook.stages.contains(where: { $0.analysis != nil }) {
            // Metrics are judged after a batch's steps, before anything else speaks: a bad batch is never put back.
            var analysis = AnalysisGate(
                playbook: execution.playbook, inventory: execution.inventory, runID: execution.runID,
                prometheus: services.metrics.prometheus, http: services.metrics.http,
                sleep: { try await clock.sleep(for: $0) }, record: { _ = await sink.record($0) },
                checkOnly: execution.check)
            analysis.resumedPause = resumedPause
            configuration.gates.insert(analysis, at: 0)
        }
        if execution.playbook.stages.contains(where: { $0.pause != nil }), !execution.check {
            // Last: a batch the failure rules halt is not held for a go-ahead first.
            configuration.gates.append(
                PauseStepGate(playbook: execution.playbook, inventory: execution.inventory, runID: execution.runID))
        }
        let keeper = LeaseKeeper(journal: services.journal, fence: execution.fence, ttl: services.leaseTime) { losses in
            // No step_started is written on those machines from now on; the engine says so for a host when it
            // reaches its next step there, and this says so now.
            sink.recorder.leasesLost(losses)
            for loss in losses {
                logger.warning("lease lost", metadata: ["machine": "\(loss.machine)", "reason": "\(loss.reason)"])
                for host in loss.names {
                    _ = await sink.record(.leaseLost(stage: sink.stage, host: host, reason: loss.reason))
                }
            }
        }
        let engine = RolloutEngine(
            playbook: execution.playbook, inventory: execution.inventory, targets: execution.targets,
            configuration: configuration, transport: ControllerTransport(remote: services.transport()), stop: stop,
            events: { event in
                if case .operatorAnswered(let answer) = event, operators.isJournaled(answer) {
                    sink.show(event)  // `drover decide` wrote it already
                    return .durable
                }
                return await sink.record(event)
            }, sleep: { try await clock.sleep(for: $0) }, now: { clock.now })
        let task = Task { await engine.run() }
        responder.attach(task)
        // The window's end also between batches: an extension during a long batch is told (notice, silence) at once.
        let watching = execution.gate.closesAt == nil ? nil : Task { await extensions.watch() }
        let summary = await task.value
        watching?.cancel()
        await watching?.value
        logger.info("run ended", metadata: ["status": "\(summary.status.rawValue)"])
        await keeper.stop()
        do {
            try await services.journal.releaseLeases(execution.fence.holder)
        } catch {
            console.say(
                .error(
                    "could not release the run's leases (\(error)); they lapse within "
                        + "\(DurationText.format(services.leaseTime)), or: drover unlock"))
        }
        await execution.notices?.finish()
        await sink.recorder.flush()
        return RunOutcome(runID: execution.runID, status: summary.status, reason: summary.reason, summary: summary)
    }
}
