import DroverModel

/// One run of the engine: the stage and batch loop, the gates around each batch (`RolloutRun+Gates`), one batch's
/// passes (`RolloutRun+Batch`) and the halt rollback (`RolloutRun+Rollback`). Its bookkeeping is a
/// `RolloutLedger`; the steps on hosts are a `HostWorker`'s. Lives on the run's task only.
struct RolloutRun {
    /// Why the run's work ended early.
    enum Ending: Sendable, Equatable {
        /// Roll back, then end (ROLLED BACK or FAILED).
        case halt(Decision)
        /// End without rollback (PARTIAL): the window is closing, or `on_overrun: halt`.
        case stop(Decision)
        /// The operator stopped the run, or the journal could not record a step (INTERRUPTED).
        case interrupted
    }

    let engine: RolloutEngine
    let pool: ConnectionPool
    let worker: HostWorker
    let start: ContinuousClock.Instant
    var ledger: RolloutLedger
    /// This run's batch durations so far (their analysis soak included, waits for an answer not), for window fit;
    /// a resume starts from those its interrupted attempts measured.
    var measured: [Duration]
    /// How long this run's pauses waited for an operator's answer so far (`BatchTime`).
    var waitedForOperator: Duration = .zero

    init(engine: RolloutEngine, pool: ConnectionPool) {
        self.engine = engine
        self.pool = pool
        self.worker = HostWorker(engine: engine, pool: pool, fence: RunFence())
        self.start = engine.now()
        self.ledger = RolloutLedger(targets: engine.targets.map(\.name))
        self.measured = engine.configuration.resume?.measured ?? []
    }

    func emit(_ event: RunEvent) async { await worker.emit(event) }

    mutating func decide(_ decision: Decision) async {
        ledger.decide(decision)
        await emit(.decision(decision))
    }

    var elapsed: Duration { start.duration(to: engine.now()) }

    /// The run's time for overrun: waits for an operator's answer left out (`BatchTime.worked`).
    var worked: Duration { BatchTime.worked(elapsed: elapsed, waitingForOperator: waitedForOperator) }

    mutating func run() async -> RunSummary {
        let playbook = engine.playbook
        if engine.configuration.announcesStart {
            await emit(
                .runStarted(
                    RunStarted(
                        runID: engine.configuration.runID, playbook: playbook.name,
                        environment: engine.inventory.environment, change: playbook.change,
                        hostCount: engine.targets.count, check: engine.configuration.checkOnly)))
        }
        var ending: Ending?
        let targetNames = Set(engine.targets.map(\.name))
        for (stageIndex, stage) in playbook.stages.enumerated() {
            if worker.isStopping {
                ending = .interrupted
                break
            }
            let name = render(stage.name)
            let matched = (try? engine.inventory.hosts(matching: stage.hosts)) ?? []
            let hosts = matched.filter { targetNames.contains($0.name) && !ledger.isOut($0.name) }
            let batches =
                stage.runOnce ? (hosts.isEmpty ? [] : [[hosts[0]]]) : BatchPlanner.batches(hosts, serial: stage.serial)
            await emit(
                .stageStarted(stage: stageIndex, name: name, hosts: hosts.map(\.name), batchSizes: batches.map(\.count)))
            ledger.beginStage(
                stageIndex, name: name, hosts: hosts.map(\.name), hasRollbackSteps: !stage.rollback.isEmpty)
            for (batchIndex, batch) in batches.enumerated() {
                if worker.isStopping {
                    ending = .interrupted
                    break
                }
                // A batch the interrupted run already started is replayed, not waited for.
                let replayed = engine.configuration.resume.map { resume in
                    batch.contains { host in
                        resume.completed.keys.contains { $0.stage == stageIndex && $0.host == host.name }
                    }
                } ?? false
                if batchIndex > 0, stage.pauseBetweenBatches > .zero, !replayed {
                    try? await engine.sleep(stage.pauseBetweenBatches)
                }
                let next = batchIndex + 1 < batches.count ? batches[batchIndex + 1] : []
                ending = await runBatch(
                    BatchUnderWay(
                        stage: stage, stageIndex: stageIndex, stageName: name, batchIndex: batchIndex, hosts: batch,
                        stageHostCount: hosts.count, next: next))
                if ending != nil { break }
            }
            if stage.runOnce, let first = batches.first?.first, ending == nil {
                // The first host's result counts for every host of the stage.
                ledger.shareRunOnce(from: first.name, with: hosts.dropFirst().map(\.name))
            }
            let (succeeded, failed, skipped) = ledger.closeStage(runEnded: ending != nil)
            await emit(.stageFinished(stage: stageIndex, succeeded: succeeded, failed: failed, skipped: skipped))
            if ending != nil { break }
        }
        return await finish(ending)
    }

    /// Rolls back after a halt, then reports how the run ended.
    private mutating func finish(_ ending: Ending?) async -> RunSummary {
        var halt: Decision?
        var stopped: Decision?
        switch ending {
        case .halt(let decision): halt = decision
        case .stop(let decision): stopped = decision
        case .interrupted, nil: break
        }
        if let halt, !Task.isCancelled { await rollBack(because: halt) }
        var interruption: RolloutLedger.Interruption?
        if let failure = worker.fence.journalFailure {
            interruption = .journal(reason: failure)
        } else if ending == .interrupted || Task.isCancelled {
            // Cancelled is aborted (the stop's observer cancels the engine before the level shows).
            interruption = engine.stop.current == .abort || Task.isCancelled ? .abort : .stop
        }
        let runID = engine.configuration.runID
        let (status, reason) = ledger.conclusion(
            halt: halt, stopped: stopped, interruption: interruption, runID: runID)
        let duration = elapsed
        await emit(.runFinished(status: status, reason: reason, duration: duration))
        return ledger.summary(runID: runID, status: status, reason: reason, duration: duration, stopped: stopped)
    }

    private func render(_ template: Template) -> String {
        template.render { name in engine.playbook.vars[name].map(TemplateContext.text) } ?? template.source
    }
}
