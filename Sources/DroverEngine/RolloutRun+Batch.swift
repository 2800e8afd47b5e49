import DroverModel

/// The batch the loop is on.
struct BatchUnderWay: Sendable {
    var stage: Stage
    var stageIndex: Int
    var stageName: String
    var batchIndex: Int
    var hosts: [Host]
    /// Every host of the stage (`min_healthy` counts them).
    var stageHostCount: Int
    /// The stage's next batch, which logs in while this one works.
    var next: [Host]
}

extension RolloutRun {
    /// Runs one batch: the gates before it; a pass over its hosts (`before_batch`, then every host's steps); the
    /// gates after the steps; `after_batch` for the hosts going back into service; `batch_finished`; the gates after
    /// the batch. A retry answered to a pause runs a further pass over the batch's failed hosts and judges the batch
    /// again: from the steps' gates on when the batch is still out of service, with `before_batch` again when its
    /// `after_batch` steps already ran.
    /// - Returns: why the run's work ends here, or nil to go on.
    mutating func runBatch(_ batch: BatchUnderWay) async -> Ending? {
        var retries = 0
        while true {
            let verdict = await judge(.beforeBatch(beforeInput(batch)))
            switch allowRetry(verdict, retries: &retries) {
            case .proceed: break
            case .retry: continue
            case .end(let ending): return ending
            }
            break
        }
        if worker.isStopping { return .interrupted }
        await emit(.batchStarted(stage: batch.stageIndex, batch: batch.batchIndex, hosts: batch.hosts.map(\.name)))
        // The next batch logs in while this one works, so it starts with its sessions ready.
        if !batch.next.isEmpty { await pool.prewarm(batch.next) }
        ledger.beginBatch(hosts: batch.hosts.map(\.name))
        var pass = HostWorker.Pass(hosts: batch.hosts, scaleDown: batch.hosts, replay: true)
        /// The batch's hosts its `before_batch` steps took out of service and no `after_batch` put back yet.
        var outOfService: Set<String> = []
        var worked: Duration = .zero
        var measuredIndex: Int?
        while true {
            let passStart = engine.now()
            let result = await worker.run(
                pass, stage: batch.stage, stageIndex: batch.stageIndex, stageName: batch.stageName,
                batchIndex: batch.batchIndex)
            if result.scaledDown { outOfService.formUnion(pass.scaleDown.map(\.name)) }
            ledger.record(result.results, critical: result.critical)
            worked += passStart.duration(to: engine.now())

            // The batch is still out of service: a gate that finds it bad keeps it out.
            var verdict = GateVerdict.proceed
            if !worker.isStopping {
                // The analysis soak is the batch's time in the window; a pause's wait for an answer is not.
                let judging = engine.now()
                let waited = waitedForOperator
                verdict = allowRetry(await judge(.afterSteps(outcome(of: batch))), retries: &retries)
                worked += BatchTime.judging(
                    judging.duration(to: engine.now()), waitingForOperator: waitedForOperator - waited)
                if case .retry = verdict {
                    pass = retryPass(batch, outOfService: outOfService)
                    continue
                }
            }
            if case .proceed = verdict {
                let scaleUpStart = engine.now()
                outOfService.subtract(await scaleUp(batch, outOfService: outOfService))
                worked += scaleUpStart.duration(to: engine.now())
            }
            if let index = measuredIndex {
                measured[index] = worked
            } else {
                measuredIndex = measured.count
                measured.append(worked)
            }
            let judged = outcome(of: batch)
            await emit(
                .batchFinished(
                    stage: batch.stageIndex, batch: batch.batchIndex, succeeded: judged.succeeded,
                    failed: judged.failed, duration: worked))
            if case .end(let ending) = verdict { return ending }
            // Stopped by the operator: no verdict on a batch cut short.
            if worker.isStopping { return .interrupted }
            switch allowRetry(await judge(.afterBatch(outcome(of: batch))), retries: &retries) {
            case .proceed:
                return nil
            case .retry:
                pass = retryPass(batch, outOfService: outOfService)
            case .end(let ending):
                return ending
            }
        }
    }

    /// Scale-up: the batch's hosts out of service that are healthy or were cleanly rolled back go back into
    /// rotation. - Returns: the hosts it put back (all of them, even when an `after_batch` step failed).
    private mutating func scaleUp(_ batch: BatchUnderWay, outOfService: Set<String>) async -> Set<String> {
        let returning = Set((ledger.currentBatch?.results ?? []).filter(\.returnsToService).map(\.host))
        let hosts = batch.hosts.filter { outOfService.contains($0.name) && returning.contains($0.name) }
        guard !hosts.isEmpty else { return [] }
        switch await worker.runBatchSteps(
            batch.stage.afterBatch, phase: .afterBatch, stageIndex: batch.stageIndex, stageName: batch.stageName,
            batchIndex: batch.batchIndex, hosts: hosts, replay: true)
        {
        case .passed:
            break
        case .failed(let step, let host, _):
            ledger.noteCritical(CriticalStep(step: "after_batch: \(step)", host: host))
        case .leaseLost(_, let host, let reason):
            ledger.loseLease(host, reason: reason)
        case .unrecorded(let step, let host, let reason):
            ledger.interrupt(host, reason: "after_batch '\(step)' not started: the journal could not record it (\(reason))")
        }
        return Set(hosts.map(\.name))
    }

    /// A further pass over the batch's failed hosts that can run again: not those whose rollback failed (they need
    /// a person) or whose lease was lost. Those whose change is not undone yet roll back first; those already back
    /// in service are taken out again first.
    private func retryPass(_ batch: BatchUnderWay, outOfService: Set<String>) -> HostWorker.Pass {
        let results = ledger.currentBatch?.results ?? []
        let retried = results.filter { $0.failed && $0.rollback != .failed }
        let names = Set(retried.map(\.host))
        let undo = retried.filter { $0.rollback == .notAttempted && $0.changed && !batch.stage.rollback.isEmpty }
        let hosts = batch.hosts.filter { names.contains($0.name) }
        return HostWorker.Pass(
            hosts: hosts, scaleDown: hosts.filter { !outOfService.contains($0.name) },
            rollBackFirst: Set(undo.map(\.host)), replay: false)
    }

    private func beforeInput(_ batch: BatchUnderWay) -> BatchGateInput {
        BatchGateInput(
            stage: batch.stageIndex, batch: batch.batchIndex, stageName: batch.stageName,
            hosts: batch.hosts.map(\.name), measured: measured, elapsed: worked,
            stageHostCount: batch.stageHostCount, stageFailed: ledger.stageFailedCount,
            limits: .init(batch.stage), estimate: engine.playbook.change.estimate, decisions: ledger.decisions,
            waitedForOperator: waitedForOperator)
    }

    /// The batch as its gates see it: each host's latest result; hosts whose lease was lost take no part.
    private func outcome(of batch: BatchUnderWay) -> BatchOutcome {
        let results = ledger.currentBatch?.results ?? []
        let lost = Set(results.filter(\.lostLease).map(\.host))
        return BatchOutcome(
            stage: batch.stageIndex, batch: batch.batchIndex, stageName: batch.stageName,
            hosts: batch.hosts.map(\.name).filter { !lost.contains($0) }, succeeded: results.filter(\.succeeded).map(\.host),
            failed: results.filter(\.failed).map(\.host), stageFailed: ledger.stageFailedCount,
            critical: ledger.currentBatch?.critical, limits: .init(batch.stage), measured: measured, elapsed: worked,
            decisions: ledger.decisions)
    }
}
