import DroverModel

extension RolloutRun {
    /// After a halt: performs the `RollbackPlan` group by group, each group's hosts concurrently (at most `forks`),
    /// and records every host's outcome in the ledger.
    mutating func rollBack(because halt: Decision) async {
        let plan = RollbackPlan(ledger: ledger, halt: halt)
        ledger.keep(plan.kept)
        for group in plan.groups {
            // A host whose rollback failed in an earlier group is left as it is now: stacking older rollbacks on a
            // half-undone host would make it worse. A host whose lease was lost meanwhile is not touched.
            let names = group.hosts.filter { !ledger.leftAlone.contains($0) && !ledger.isLost($0) }
            guard !names.isEmpty else { continue }
            guard group.undoable else {
                // The halting stage has no rollback steps: its half-done change cannot be undone, so the run FAILED.
                for name in names {
                    ledger.couldNotUndo(name, stage: group.stage)
                    await emit(
                        .rollbackFinished(
                            stage: group.stage, host: name, succeeded: false, reason: "the stage defines no rollback steps"))
                }
                continue
            }
            await emit(.rollbackStarted(stage: group.stage, hosts: names, reason: halt.reason))
            let stage = engine.playbook.stages[group.stage]
            let stageName = ledger.stages.first { $0.index == group.stage }?.name ?? ""
            let hosts = names.compactMap { engine.inventory.host(named: $0) }
            let worker = self.worker
            let batchHosts = TemplateContext.batchHosts(names)
            let outcomes = await BoundedTaskGroup.map(count: hosts.count, limit: engine.configuration.forks) { index in
                let context = worker.context(
                    for: hosts[index], stageName: stageName, batchIndex: group.batch, batchHosts: batchHosts)
                return await worker.rollBack(
                    hosts[index], stage: stage, stageIndex: group.stage, batchIndex: group.batch, context: context,
                    replay: true)
            }
            for (host, outcome) in zip(hosts.map(\.name), outcomes).sorted(by: { $0.0 < $1.0 }) {
                switch outcome {
                case .done(let failure):
                    ledger.rolledBack(host, stage: group.stage, failure: failure)
                    await emit(.rollbackFinished(stage: group.stage, host: host, succeeded: failure == nil, reason: failure))
                case .leaseLost(let reason):
                    ledger.loseLease(host, reason: reason)
                case .unrecorded:
                    // Not started: the run ends INTERRUPTED, and a resume finishes the rollback.
                    break
                }
            }
        }
    }
}
