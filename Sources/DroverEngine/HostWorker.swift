import DroverModel

/// Performs one run's steps on hosts: a pass of a batch (its `before_batch` steps once, then every host's steps
/// concurrently), the batch's `after_batch` steps, one host's rollback.
///
/// Every step goes through `perform`: replay its recorded outcome (`drover resume`), or announce it and — once the
/// announcement is durable — run it and report how it ended. A refused announcement starts nothing: a lost lease
/// takes the host out of the run, a journal that cannot record stops everything new.
struct HostWorker: Sendable {
    /// How a step's turn ended.
    enum Performed: Sendable {
        /// It ran (or its recorded outcome was replayed, or a `run_once` outcome was shared).
        case outcome(StepOutcome)
        /// Not run: the run no longer holds the lease on the step's host.
        case leaseLost(reason: String)
        /// Not run: the journal could not record its announcement.
        case unrecorded(reason: String)
    }

    /// How a batch's once-per-batch steps (`before_batch`, `after_batch`) ended.
    enum BatchSteps: Sendable {
        case passed
        /// `host` is where the step ran (its delegate, else the batch's first host).
        case failed(step: String, host: String, reason: String)
        /// `host` is the batch's first host, the one the steps are for.
        case leaseLost(step: String, host: String, reason: String)
        case unrecorded(step: String, host: String, reason: String)
    }

    /// How one host's rollback ended.
    enum Rollback: Sendable {
        /// Nil when every rollback step passed, else why one failed.
        case done(failure: String?)
        case leaseLost(reason: String)
        case unrecorded(reason: String)
    }

    /// Which hosts of a batch run, and how.
    struct Pass: Sendable {
        var hosts: [Host]
        /// The hosts the `before_batch` steps take out of service first (scale-down): those not out already.
        var scaleDown: [Host]
        /// Failed hosts of a retry whose change is not undone yet: they roll back before their steps run again.
        var rollBackFirst: Set<String> = []
        /// Replay outcomes recorded by an interrupted run (false for a retry: those steps run again).
        var replay: Bool
    }

    /// What a pass did.
    struct PassResult: Sendable {
        var results: [HostResult]
        var critical: CriticalStep?
        /// False when the `before_batch` steps did not complete: the pass's `scaleDown` hosts were not taken out
        /// of service, so they are not put back either.
        var scaledDown: Bool
    }

    let engine: RolloutEngine
    let runner: StepRunner
    let fence: RunFence
    /// Whose sessions close once their steps in a stage are done.
    let retention: SessionRetention

    init(engine: RolloutEngine, pool: ConnectionPool, fence: RunFence) {
        self.engine = engine
        self.fence = fence
        let targets = Set(engine.targets.map(\.name))
        retention = SessionRetention(
            stages: engine.playbook.stages,
            hosts: engine.playbook.stages.map { stage in
                ((try? engine.inventory.hosts(matching: stage.hosts)) ?? []).map(\.name).filter(targets.contains)
            })
        var runner = StepRunner(
            pool: pool, inventory: engine.inventory, runID: engine.configuration.runID,
            baseDirectory: engine.configuration.baseDirectory, checkOnly: engine.configuration.checkOnly,
            sleep: engine.sleep)
        runner.becomePassword = engine.becomePassword
        runner.now = engine.now
        self.runner = runner
    }

    /// True once nothing new may start: the operator asked to stop, the run's task was cancelled, or the journal
    /// failed.
    var isStopping: Bool { engine.stop.isStopping || Task.isCancelled || fence.journalFailure != nil }

    /// Emits `event`; a journal that could not record it stops everything new.
    func emit(_ event: RunEvent) async {
        if case .failed(let reason) = await engine.events(event) { fence.journalFailed(reason) }
    }

    /// The one way a step happens: replay its recorded outcome, or announce it, run it once the announcement is
    /// durable, and report how it ended.
    func perform(_ ref: StepRef, replay: Bool, _ run: () async -> StepOutcome) async -> Performed {
        if replay, let recorded = engine.configuration.resume?.outcome(for: ref) { return .outcome(recorded) }
        switch await engine.events(.stepStarted(ref)) {
        case .durable:
            break
        case .leaseLost(let reason):
            if fence.lose(ref.host) { await emit(.leaseLost(stage: ref.stage, host: ref.host, reason: reason)) }
            return .leaseLost(reason: reason)
        case .failed(let reason):
            fence.journalFailed(reason)
            return .unrecorded(reason: reason)
        }
        let outcome = await run()
        await emit(.stepFinished(ref, outcome))
        return .outcome(outcome)
    }

    /// - Parameter batchHosts: `TemplateContext.batchHosts(names)`, made once per batch and shared.
    func context(for host: Host, stageName: String, batchIndex: Int, batchHosts: InventoryValue) -> TemplateContext {
        TemplateContext(
            runID: engine.configuration.runID, host: host, stageName: stageName, batchIndex: batchIndex,
            batchHosts: batchHosts, playbookVars: engine.playbook.vars)
    }

    // MARK: A pass of a batch

    /// Runs `pass`: the `before_batch` steps once for its `scaleDown` hosts, then every host's steps concurrently
    /// (at most `forks` at a time).
    func run(_ pass: Pass, stage: Stage, stageIndex: Int, stageName: String, batchIndex: Int) async -> PassResult {
        let names = pass.hosts.map(\.name)
        if !pass.scaleDown.isEmpty {
            let scaleDown = await runBatchSteps(
                stage.beforeBatch, phase: .beforeBatch, stageIndex: stageIndex, stageName: stageName,
                batchIndex: batchIndex, hosts: pass.scaleDown, replay: pass.replay)
            if let results = await notScaledDown(scaleDown, stageIndex: stageIndex, hosts: names) {
                return PassResult(results: results, critical: nil, scaledDown: false)
            }
        }
        let critical = CriticalLatch()
        let once = OnceResults(seeded: pass.replay ? seeds(stage: stage, stageIndex: stageIndex, hosts: names) : [:])
        let worker = self
        let batchHosts = TemplateContext.batchHosts(names)
        let results = await BoundedTaskGroup.map(count: pass.hosts.count, limit: engine.configuration.forks) { index in
            let host = pass.hosts[index]
            let context = worker.context(for: host, stageName: stageName, batchIndex: batchIndex, batchHosts: batchHosts)
            let result = await worker.runHost(
                host, stage: stage, stageIndex: stageIndex, batchIndex: batchIndex, context: context,
                critical: critical, once: once, replay: pass.replay, rollBackFirst: pass.rollBackFirst.contains(host.name))
            if worker.retention.closesAfterSteps(of: host.name, inStage: stageIndex) {
                await worker.runner.pool.release(host.name)
            }
            return result
        }
        return PassResult(results: results, critical: critical.first, scaledDown: true)
    }

    /// The hosts' results when the `before_batch` steps did not complete (nil when they did): none of the hosts
    /// starts its steps.
    private func notScaledDown(_ outcome: BatchSteps, stageIndex: Int, hosts: [String]) async -> [HostResult]? {
        switch outcome {
        case .passed:
            return nil
        case .failed(let step, _, let reason):
            for name in hosts {
                await emit(.hostFailed(stage: stageIndex, host: name, step: step, reason: "before_batch: \(reason)"))
            }
            return hosts.map { HostResult(host: $0, ending: .failed(step: step, reason: "before_batch: \(reason)")) }
        case .leaseLost(let step, let first, let reason):
            let why = "not started: before_batch '\(step)' could not start (the lease on \(first) was lost)"
            return hosts.map {
                HostResult(host: $0, ending: $0 == first ? .leaseLost(reason: reason) : .notStarted(reason: why))
            }
        case .unrecorded(let step, _, let reason):
            let why = "not started: the journal could not record before_batch '\(step)' (\(reason))"
            return hosts.map { HostResult(host: $0, ending: .interrupted(reason: why)) }
        }
    }

    /// `run_once` outcomes an interrupted run already has for this batch: for each `run_once` step, the first host
    /// (in batch order) that ran it itself.
    private func seeds(stage: Stage, stageIndex: Int, hosts: [String]) -> [Int: (host: String, outcome: StepOutcome)] {
        guard let resume = engine.configuration.resume else { return [:] }
        var seeds: [Int: (host: String, outcome: StepOutcome)] = [:]
        for (index, step) in stage.steps.enumerated() where step.runOnce {
            for host in hosts {
                let key = ResumeKey(stage: stageIndex, phase: .steps, step: index, host: host)
                if let outcome = resume.completed[key], outcome.sharedFrom == nil {
                    seeds[index] = (host, outcome)
                    break
                }
            }
        }
        return seeds
    }

    /// Runs `steps` once for the batch, on their `delegate_to`, else the batch's first host, stopping at the first
    /// failure.
    func runBatchSteps(
        _ steps: [Step], phase: StepRef.Phase, stageIndex: Int, stageName: String, batchIndex: Int, hosts: [Host],
        replay: Bool
    ) async -> BatchSteps {
        for (index, step) in steps.enumerated() {
            // A resume runs the step for the hosts it has not covered yet (all of them when nothing says whom it
            // covered); a step that covered every one is replayed.
            var uncovered = hosts
            if replay, let covered = engine.configuration.resume?.covered(stage: stageIndex, phase: phase, step: index) {
                uncovered = hosts.filter { !covered.contains($0.name) }
            }
            guard let first = uncovered.first else { continue }
            let names = uncovered.map(\.name)
            let context = context(
                for: first, stageName: stageName, batchIndex: batchIndex, batchHosts: TemplateContext.batchHosts(names))
            let delegate = step.delegateTo.flatMap { context.render($0) }
            let ref = StepRef(
                stage: stageIndex, batch: batchIndex, phase: phase, step: index, name: step.name, host: first.name,
                delegatedTo: delegate, hosts: names)
            switch await perform(ref, replay: replay, { await runner.run(step, for: first, context: context) }) {
            case .outcome(let outcome) where outcome.status == .failed:
                return .failed(step: step.name, host: delegate ?? first.name, reason: outcome.reason ?? "failed")
            case .outcome:
                continue
            case .leaseLost(let reason):
                return .leaseLost(step: step.name, host: first.name, reason: reason)
            case .unrecorded(let reason):
                return .unrecorded(step: step.name, host: first.name, reason: reason)
            }
        }
        return .passed
    }

    // MARK: One host

    /// One host's steps in order; on failure its own rollback (unless the stage says `leave`).
    func runHost(
        _ host: Host, stage: Stage, stageIndex: Int, batchIndex: Int, context: TemplateContext,
        critical: CriticalLatch, once: OnceResults, replay: Bool, rollBackFirst: Bool
    ) async -> HostResult {
        var result = HostResult(host: host.name)
        if rollBackFirst, let undone = await undoBeforeRetry(host, stage: stage, stageIndex: stageIndex, batchIndex: batchIndex, context: context) {
            return undone
        }
        for (index, step) in stage.steps.enumerated() {
            if critical.first != nil {
                // A critical failure elsewhere halts the run: a host stopped half-way counts as failed so it is
                // rolled back.
                if result.changed || index > 0 {
                    result.ending = .failed(step: step.name, reason: "stopped before '\(step.name)' (the run is halting)")
                }
                return result
            }
            if isStopping {
                // The operator stopped the run: the host keeps what it has done, to be resumed.
                if index > 0 { result.ending = .interrupted(reason: "interrupted before '\(step.name)'") }
                return result
            }
            let ref = StepRef(
                stage: stageIndex, batch: batchIndex, phase: .steps, step: index, name: step.name, host: host.name,
                delegatedTo: step.delegateTo.flatMap { context.render($0) })
            let performed =
                step.runOnce
                ? await shareOrRun(step, index: index, ref: ref, host: host, context: context, once: once, replay: replay)
                : await perform(ref, replay: replay, { await runner.run(step, for: host, context: context) })
            let outcome: StepOutcome
            switch performed {
            case .outcome(let value):
                outcome = value
            case .leaseLost(let reason):
                result.ending = .leaseLost(reason: reason)
                return result
            case .unrecorded(let reason):
                result.ending = .interrupted(reason: "'\(step.name)' not started: the journal could not record it (\(reason))")
                return result
            }
            if step.changesHost && !engine.configuration.checkOnly { result.changed = true }
            result.steps += 1
            result.duration += outcome.duration
            if outcome.status == .failed {
                result.ending = .failed(step: step.name, reason: "\(step.name): \(outcome.reason ?? "failed")")
                if step.critical { critical.record(step: step.name, host: host.name) }
                break
            }
        }
        guard case .failed(let failedStep, let reason) = result.ending else { return result }
        await emit(.hostFailed(stage: stageIndex, host: host.name, step: failedStep, reason: reason))
        guard stage.onHostFailure == .rollback, result.changed, !stage.rollback.isEmpty else { return result }
        await emit(.rollbackStarted(stage: stageIndex, hosts: [host.name], reason: reason))
        switch await rollBack(host, stage: stage, stageIndex: stageIndex, batchIndex: batchIndex, context: context, replay: replay) {
        case .done(let failure):
            result.rollback = failure == nil ? .succeeded : .failed
            await emit(.rollbackFinished(stage: stageIndex, host: host.name, succeeded: failure == nil, reason: failure))
        case .leaseLost(let lost):
            result.ending = .leaseLost(reason: lost)
        case .unrecorded:
            // Not started: the host stays failed with its change; the run ends INTERRUPTED and a resume rolls it back.
            break
        }
        return result
    }

    /// A retry: rolls back a failed host whose change is not undone yet, before its steps run again.
    /// - Returns: the host's result when it cannot be retried (its rollback failed or did not start), else nil.
    private func undoBeforeRetry(
        _ host: Host, stage: Stage, stageIndex: Int, batchIndex: Int, context: TemplateContext
    ) async -> HostResult? {
        await emit(.rollbackStarted(stage: stageIndex, hosts: [host.name], reason: "retry: undoing the failed attempt first"))
        switch await rollBack(host, stage: stage, stageIndex: stageIndex, batchIndex: batchIndex, context: context, replay: false) {
        case .done(nil):
            await emit(.rollbackFinished(stage: stageIndex, host: host.name, succeeded: true, reason: nil))
            return nil
        case .done(let failure?):
            await emit(.rollbackFinished(stage: stageIndex, host: host.name, succeeded: false, reason: failure))
            return HostResult(
                host: host.name, ending: .failed(step: "rollback", reason: "rollback before the retry: \(failure)"),
                changed: true, rollback: .failed)
        case .leaseLost(let reason):
            return HostResult(host: host.name, ending: .leaseLost(reason: reason), changed: true)
        case .unrecorded(let reason):
            return HostResult(
                host: host.name, ending: .interrupted(reason: "rollback before the retry not started: \(reason)"),
                changed: true)
        }
    }

    /// A `run_once` step: the first host of the pass to reach it runs it; the others share its outcome and record
    /// only their `step_finished`.
    private func shareOrRun(
        _ step: Step, index: Int, ref: StepRef, host: Host, context: TemplateContext, once: OnceResults, replay: Bool
    ) async -> Performed {
        if replay, let recorded = engine.configuration.resume?.outcome(for: ref) { return .outcome(recorded) }
        switch await once.claim(step: index, host: host.name) {
        case .shared(let from, let outcome):
            var shared = outcome
            if shared.status == .ok { shared.status = .skipped }
            shared.reason = "run_once: ran on \(from)" + (outcome.reason.map { " (\($0))" } ?? "")
            shared.sharedFrom = from
            await emit(.stepFinished(ref, shared))
            return .outcome(shared)
        case .run:
            let performed = await perform(ref, replay: false, { await runner.run(step, for: host, context: context) })
            if case .outcome(let outcome) = performed {
                await once.finish(step: index, outcome: outcome)
            } else {
                await once.finish(step: index, outcome: nil)
            }
            return performed
        }
    }

    /// The stage's rollback steps on one host, stopping at the first failure.
    func rollBack(
        _ host: Host, stage: Stage, stageIndex: Int, batchIndex: Int, context: TemplateContext, replay: Bool
    ) async -> Rollback {
        for (index, step) in stage.rollback.enumerated() {
            let ref = StepRef(
                stage: stageIndex, batch: batchIndex, phase: .rollback, step: index, name: step.name, host: host.name,
                delegatedTo: step.delegateTo.flatMap { context.render($0) })
            switch await perform(ref, replay: replay, { await runner.run(step, for: host, context: context) }) {
            case .outcome(let outcome) where outcome.status == .failed:
                return .done(failure: "\(step.name): \(outcome.reason ?? "failed")")
            case .outcome:
                continue
            case .leaseLost(let reason):
                return .leaseLost(reason: reason)
            case .unrecorded(let reason):
                return .unrecorded(reason: reason)
            }
        }
        return .done(failure: nil)
    }
}
