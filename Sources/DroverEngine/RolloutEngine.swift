public import DroverModel
import Synchronization

/// Runs a playbook across the fleet: stages in order, batches by `serial`, hosts of a batch concurrently (up to
/// `forks`), each host's steps in order over its one session. After each batch `DecisionRules` decide whether to go
/// on; on a halt nothing new starts and every changed host is rolled back, stages in reverse order and batches in
/// reverse order. Everything that happens is reported as `RunEvent`s, in order, before the next thing starts.
public struct RolloutEngine: Sendable {
    public struct Configuration: Sendable {
        public var runID: String
        public var forks: Int
        /// `--check`: connect and run checks, change nothing.
        public var checkOnly: Bool
        /// Estimate × this = overrun (the policy's `overrun_factor`).
        public var overrunFactor: Double
        /// What an overrun does (the policy's `on_overrun`): halt and roll back, stop (PARTIAL), or warn once.
        public var onOverrun: OverrunAction
        /// Where the playbook lives: `upload` and `script` paths are relative to it.
        public var baseDirectory: String
        /// Asked before every batch, after the engine's own rules; a decision it returns is taken (`.stop` for
        /// window fit, see `WindowFit`). Nil: no gate.
        public var batchGate: (@Sendable (BatchGateInput) -> Decision?)?
        /// False when the caller already emitted `run_started` (it checks the policy first, and a refused run is
        /// a run too: `run_started`, `policy_checked`, `run_finished`).
        public var announcesStart = true
        /// `drover resume`: the steps an interrupted run of the same `runID` already finished; they are not run
        /// again (see `ResumeState`). Nil for a fresh run.
        public var resume: ResumeState?

        public init(
            runID: String, forks: Int = 200, checkOnly: Bool = false, overrunFactor: Double = 1.5,
            onOverrun: OverrunAction = .haltAndRollback, baseDirectory: String = "",
            batchGate: (@Sendable (BatchGateInput) -> Decision?)? = nil, resume: ResumeState? = nil
        ) {
            self.runID = runID
            self.forks = max(1, forks)
            self.checkOnly = checkOnly
            self.overrunFactor = overrunFactor
            self.onOverrun = onOverrun
            self.baseDirectory = baseDirectory
            self.batchGate = batchGate
            self.resume = resume
        }
    }

    public var playbook: Playbook
    public var inventory: Inventory
    /// The hosts the run may touch (the inventory after `--limit`), in inventory order.
    public var targets: [Host]
    public var configuration: Configuration
    public var transport: any HostTransport
    public var stop: StopSignal
    /// Receives every event, in order, before the thing it announces happens (`stepStarted` before the step runs):
    /// the engine waits for it, so a write-ahead journal returns once the event is durable.
    public var events: @Sendable (RunEvent) async -> Void
    /// Waits between batches, for `wait` steps and retry delays (tests pass one that returns at once).
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Reads `become` passwords from where the inventory says they are (tests pass their own).
    public var becomePassword: @Sendable (ConnectionSettings.PasswordSource) -> String? = StepRunner.readPassword
    /// The monotonic clock run and batch durations are measured with (tests inject a manual one).
    public var now: @Sendable () -> ContinuousClock.Instant

    public init(
        playbook: Playbook, inventory: Inventory, targets: [Host], configuration: Configuration,
        transport: any HostTransport, stop: StopSignal = StopSignal(),
        events: @escaping @Sendable (RunEvent) async -> Void,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.now = now
        self.playbook = playbook
        self.inventory = inventory
        self.targets = targets
        self.configuration = configuration
        self.transport = transport
        self.stop = stop
        self.events = events
        self.sleep = sleep
    }

    /// Runs the playbook to its end (success, halt and rollback, or interruption).
    public func run() async -> RunSummary {
        let pool = ConnectionPool(transport: transport)
        var execution = Execution(engine: self, pool: pool)
        let summary = await execution.run()
        // In a task of its own, which an abort (cancelling this one) does not reach: closing a session waits
        // until a step cut short on it has been ended on the host.
        await Task { await pool.closeAll() }.value
        return summary
    }
}

/// One run's mutable state; lives on the run's task only.
private struct Execution {
    /// A stage that ran: which hosts it changed, batch by batch, for the rollback.
    struct StageRecord {
        var index: Int
        var stage: Stage
        var name: String
        var changedByBatch: [[String]] = []
        var batchSizes: [Int] = []
    }

    /// What one host did in one batch.
    struct HostResult: Sendable {
        var host: String
        var failed = false
        var reason: String?
        var failedStep: String?
        var changed = false
        var steps = 0
        var duration: Duration = .zero
        var rollback: Bool?  // nil: not attempted; true: rolled back; false: rollback failed
        /// The operator stopped the run before this host's remaining steps: not failed, resumable.
        var interrupted = false
    }

    let engine: RolloutEngine
    let pool: ConnectionPool
    var runner: StepRunner
    /// This run's batch durations so far, for window fit.
    var measured: [Duration] = []
    var overrunWarned = false
    var records: [StageRecord] = []
    var states: [String: HostSummary] = [:]
    var decisions: [Decision] = []
    /// Hosts out of the run: failed in an earlier stage.
    var failedHosts: Set<String> = []
    /// Per stage, the hosts whose change by that stage is already undone (rolled back after their own failure),
    /// so the halt rollback skips them for that stage only: earlier stages still undo their own changes.
    var settled: [Int: Set<String>] = [:]
    /// Hosts a halt must not touch: failed and left as they are (`on_host_failure: leave`), or their rollback
    /// failed — stacking older rollbacks on a half-undone host would make it worse; they need a person.
    var leftAlone: Set<String> = []
    /// Stages whose changes a halt kept because they define no rollback steps, for the final reason.
    var keptChanges: [String] = []

    init(engine: RolloutEngine, pool: ConnectionPool) {
        self.engine = engine
        self.pool = pool
        self.runner = StepRunner(
            pool: pool, inventory: engine.inventory, runID: engine.configuration.runID,
            baseDirectory: engine.configuration.baseDirectory, checkOnly: engine.configuration.checkOnly,
            sleep: engine.sleep)
        self.runner.becomePassword = engine.becomePassword
        for host in engine.targets {
            states[host.name] = HostSummary(name: host.name, state: .skipped, steps: 0, reason: nil, duration: .zero)
        }
    }

    private func emit(_ event: RunEvent) async { await engine.events(event) }

    private mutating func decide(_ decision: Decision) async {
        decisions.append(decision)
        await emit(.decision(decision))
    }

    mutating func run() async -> RunSummary {
        let start = engine.now()
        let playbook = engine.playbook
        if engine.configuration.announcesStart {
            await emit(
                .runStarted(
                    RunStarted(
                        runID: engine.configuration.runID, playbook: playbook.name,
                        environment: engine.inventory.environment, change: playbook.change,
                        hostCount: engine.targets.count, check: engine.configuration.checkOnly)))
        }
        var halt: Decision?
        /// A decision that stopped the run without rollback (window closing, `on_overrun: halt`).
        var stopped: Decision?
        var interrupted = false
        let targetNames = Set(engine.targets.map(\.name))

        stages: for (stageIndex, stage) in playbook.stages.enumerated() {
            if engine.stop.isStopping || Task.isCancelled {
                interrupted = true
                break
            }
            let name = render(stage.name)
            let matched = (try? engine.inventory.hosts(matching: stage.hosts)) ?? []
            let hosts = matched.filter { targetNames.contains($0.name) && !failedHosts.contains($0.name) }
            let batches = stage.runOnce ? (hosts.isEmpty ? [] : [[hosts[0]]]) : BatchPlanner.batches(hosts, serial: stage.serial)
            await emit(.stageStarted(stage: stageIndex, name: name, hosts: hosts.map(\.name), batchSizes: batches.map(\.count)))
            var record = StageRecord(index: stageIndex, stage: stage, name: name)
            var stageFailed: [String] = []
            var stageSucceeded: [String] = []
            for (batchIndex, batch) in batches.enumerated() {
                if engine.stop.isStopping || Task.isCancelled {
                    interrupted = true
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
                if let decision = DecisionRules.beforeBatch(
                    stage: stageIndex, batch: batchIndex, batchSize: batch.count, stageHosts: hosts.count,
                    failed: stageFailed.count, limits: .init(stage))
                {
                    await decide(decision)
                    halt = decision
                    break
                }
                if !overrunWarned, let decision = DecisionRules.overrun(
                    stage: stageIndex, batch: batchIndex, elapsed: start.duration(to: engine.now()),
                    estimate: playbook.change.estimate, factor: engine.configuration.overrunFactor,
                    action: engine.configuration.onOverrun)
                {
                    await decide(decision)
                    switch decision.action {
                    case .stop: stopped = decision
                    case .continue: overrunWarned = true
                    default: halt = decision  // a pause is taken as a halt until the engine can wait for an answer
                    }
                    if decision.action != .continue { break }
                }
                if let gate = engine.configuration.batchGate, let decision = gate(
                    BatchGateInput(
                        stage: stageIndex, batch: batchIndex, stageName: name, hosts: batch.map(\.name),
                        measured: measured, elapsed: start.duration(to: engine.now())))
                {
                    await decide(decision)
                    switch decision.action {
                    case .stop: stopped = decision
                    case .continue: break
                    default: halt = decision  // a pause is taken as a halt until the engine can wait for an answer
                    }
                    if decision.action != .continue { break }
                }
                await emit(.batchStarted(stage: stageIndex, batch: batchIndex, hosts: batch.map(\.name)))
                // The next batch logs in while this one works, so it starts with its sessions ready.
                if batchIndex + 1 < batches.count { await pool.prewarm(batches[batchIndex + 1]) }
                let batchStart = engine.now()
                let (results, critical) = await runBatch(
                    stage: stage, stageIndex: stageIndex, stageName: name, batchIndex: batchIndex, batch: batch)
                measured.append(batchStart.duration(to: engine.now()))
                record.batchSizes.append(batch.count)
                record.changedByBatch.append(results.filter(\.changed).map(\.host))
                for result in results { absorb(result, stage: stageIndex) }
                let failed = results.filter(\.failed).map(\.host)
                let succeeded = results.filter { !$0.failed && !$0.interrupted && $0.steps > 0 }.map(\.host)
                stageFailed += failed
                stageSucceeded += succeeded
                failedHosts.formUnion(failed)
                await emit(
                    .batchFinished(
                        stage: stageIndex, batch: batchIndex, succeeded: succeeded, failed: failed,
                        duration: batchStart.duration(to: engine.now())))
                if engine.stop.isStopping || Task.isCancelled {
                    // Stopped by the operator: no verdict on a batch cut short.
                    interrupted = true
                    break
                }
                let decision = DecisionRules.afterBatch(
                    stage: stageIndex, batch: batchIndex, batchSize: batch.count, batchFailed: failed.count,
                    stageFailed: stageFailed.count, critical: critical, limits: .init(stage))
                await decide(decision)
                if decision.action == .halt {
                    halt = decision
                    break
                }
            }
            if stage.runOnce, let first = batches.first?.first, halt == nil, stopped == nil, !interrupted {
                // The first host's result counts for every host of the stage.
                let firstFailed = failedHosts.contains(first.name)
                for host in hosts.dropFirst() {
                    if firstFailed {
                        failedHosts.insert(host.name)
                        stageFailed.append(host.name)
                        states[host.name]?.state = .failed
                        states[host.name]?.reason = "run_once on \(first.name) failed"
                    } else {
                        stageSucceeded.append(host.name)
                        if states[host.name]?.state == .skipped { states[host.name]?.state = .ok }
                    }
                }
            }
            records.append(record)
            let skipped = hosts.map(\.name).filter { !stageFailed.contains($0) && !stageSucceeded.contains($0) }
            for host in skipped where (halt != nil || stopped != nil || interrupted) && states[host]?.state != .interrupted {
                states[host]?.state = .skipped
                states[host]?.reason = "not reached: the run stopped before its batch in '\(name)'"
            }
            await emit(.stageFinished(stage: stageIndex, succeeded: stageSucceeded, failed: stageFailed, skipped: skipped))
            if halt != nil || stopped != nil || interrupted { break stages }
        }

        var rollbackFailures = states.values.filter { $0.state == .rollbackFailed }.count
        var unrolled = 0
        if let halt, !Task.isCancelled {
            (rollbackFailures, unrolled) = await rollBack(because: halt, failuresSoFar: rollbackFailures)
        }
        let status = DecisionRules.finalStatus(
            halted: halt != nil, stopped: stopped != nil, interrupted: interrupted || Task.isCancelled,
            failedHosts: failedHosts.count, rollbackFailures: rollbackFailures, unrolledChanges: unrolled)
        let reason = summaryReason(
            status: status, halt: halt, stopped: stopped, rollbackFailures: rollbackFailures, unrolled: unrolled)
        let duration = start.duration(to: engine.now())
        await emit(.runFinished(status: status, reason: reason, duration: duration))
        return RunSummary(
            runID: engine.configuration.runID, status: status, reason: reason,
            hosts: engine.targets.compactMap { states[$0.name] }, decisions: decisions, duration: duration,
            stopped: stopped)
    }

    private func summaryReason(
        status: RunStatus, halt: Decision?, stopped: Decision?, rollbackFailures: Int, unrolled: Int
    ) -> String {
        switch status {
        case .successful: return "every targeted host completed"
        case .partial where stopped != nil:
            let done = states.values.filter { $0.state != .skipped }.count
            var text = "stopped (\(stopped!.reason)); \(done) of \(states.count) hosts done, none left half-way"
            if !failedHosts.isEmpty { text += ", \(failedHosts.count) failed" }
            return text
        case .partial:
            return "\(failedHosts.count) \(failedHosts.count == 1 ? "host" : "hosts") failed within the failure budget"
        case .rolledBack:
            var text = "halted (\(halt?.reason ?? "")); every changed host was rolled back"
            if !keptChanges.isEmpty {
                text += "; kept (no rollback steps): " + keptChanges.reversed().map { "'\($0)'" }.joined(separator: ", ")
            }
            return text
        case .failed:
            let failedNames = states.values.filter { $0.state == .rollbackFailed }.map(\.name).sorted()
            var text = "halted (\(halt?.reason ?? "a host's rollback failed"))"
            if rollbackFailures > 0 { text += "; rollback failed on " + failedNames.joined(separator: ", ") }
            if unrolled > 0 { text += "; \(unrolled) changed hosts have no rollback steps" }
            return text
        case .interrupted:
            return engine.stop.current == .abort
                ? "aborted by the operator; in-flight steps were cut short"
                : "stopped by the operator; in-flight steps were allowed to finish"
        case .refused: return "refused"
        }
    }

    private mutating func absorb(_ result: HostResult, stage: Int) {
        var summary = states[result.host] ?? HostSummary(name: result.host, state: .skipped, steps: 0, duration: .zero)
        summary.steps += result.steps
        summary.duration += result.duration
        if result.failed {
            summary.reason = result.reason
            switch result.rollback {
            case true?:
                summary.state = .rolledBack
                settled[stage, default: []].insert(result.host)
            case false?:
                summary.state = .rollbackFailed
                leftAlone.insert(result.host)
            case nil:
                summary.state = .failed
                if result.changed { leftAlone.insert(result.host) } else { settled[stage, default: []].insert(result.host) }
            }
        } else if result.interrupted {
            summary.state = .interrupted
            summary.reason = result.reason
        } else if summary.state == .skipped, result.steps > 0 {
            summary.state = .ok
        }
        states[result.host] = summary
    }

    private func render(_ template: Template) -> String {
        template.render { name in engine.playbook.vars[name].map(TemplateContext.text) } ?? template.source
    }

    private func context(for host: Host, stageName: String, batchIndex: Int, batchHosts: [String]) -> TemplateContext {
        TemplateContext(
            runID: engine.configuration.runID, host: host, stageName: stageName, batchIndex: batchIndex,
            batchHosts: batchHosts, playbookVars: engine.playbook.vars)
    }

    /// Runs one batch: `before_batch` once, every host's steps concurrently, `after_batch` once.
    /// - Returns: each host's result in batch order, and the critical step that failed, if one did.
    private mutating func runBatch(
        stage: Stage, stageIndex: Int, stageName: String, batchIndex: Int, batch: [Host]
    ) async -> ([HostResult], (step: String, host: String)?) {
        let names = batch.map(\.name)
        // Scale-down: once per batch, in the first host's context.
        if let failure = await runOnce(
            stage.beforeBatch, phase: .beforeBatch, stageIndex: stageIndex, stageName: stageName,
            batchIndex: batchIndex, batch: batch, batchHosts: names)
        {
            let results = names.map {
                HostResult(host: $0, failed: true, reason: "before_batch: \(failure.reason)", failedStep: failure.step)
            }
            for name in names {
                await emit(.hostFailed(stage: stageIndex, host: name, step: failure.step, reason: "before_batch: \(failure.reason)"))
            }
            return (results, nil)
        }

        let critical = CriticalFailure()
        let once = OnceResults()
        let engine = self.engine
        let runner = self.runner
        let contexts = batch.map { context(for: $0, stageName: stageName, batchIndex: batchIndex, batchHosts: names) }
        var results = [HostResult?](repeating: nil, count: batch.count)
        await withTaskGroup(of: (Int, HostResult).self) { group in
            var next = 0
            func startNext() {
                guard next < batch.count else { return }
                let index = next
                next += 1
                group.addTask {
                    let result = await Self.runHost(
                        batch[index], stage: stage, stageIndex: stageIndex, batchIndex: batchIndex,
                        context: contexts[index], runner: runner, engine: engine, critical: critical, once: once)
                    return (index, result)
                }
            }
            for _ in 0..<min(engine.configuration.forks, batch.count) { startNext() }
            for await (index, result) in group {
                results[index] = result
                startNext()
            }
        }
        let finished = results.map { $0! }
        var criticalFailure = critical.first

        // Scale-up: the hosts that are healthy or were cleanly rolled back go back into rotation.
        let back = finished.filter { !$0.failed || $0.rollback == true }.map(\.host)
        if !back.isEmpty,
            let failure = await runOnce(
                stage.afterBatch, phase: .afterBatch, stageIndex: stageIndex, stageName: stageName,
                batchIndex: batchIndex, batch: batch.filter { back.contains($0.name) }, batchHosts: back)
        {
            criticalFailure = criticalFailure ?? (step: "after_batch: \(failure.step)", host: failure.host)
        }
        return (finished, criticalFailure)
    }

    /// Runs `steps` once for the batch (on their `delegate_to`, else the batch's first host).
    /// - Returns: the first failure, or nil when every step passed.
    private func runOnce(
        _ steps: [Step], phase: StepRef.Phase, stageIndex: Int, stageName: String, batchIndex: Int, batch: [Host],
        batchHosts: [String]
    ) async -> (step: String, host: String, reason: String)? {
        guard let first = batch.first else { return nil }
        let context = context(for: first, stageName: stageName, batchIndex: batchIndex, batchHosts: batchHosts)
        for (index, step) in steps.enumerated() {
            let delegate = step.delegateTo.flatMap { context.render($0) }
            let ref = StepRef(
                stage: stageIndex, batch: batchIndex, phase: phase, step: index, name: step.name, host: first.name,
                delegatedTo: delegate)
            let outcome: StepOutcome
            if let recorded = engine.configuration.resume?.outcome(for: ref) {
                outcome = recorded
            } else {
                await emit(.stepStarted(ref))
                outcome = await runner.run(step, for: first, context: context)
                await emit(.stepFinished(ref, outcome))
            }
            if outcome.status == .failed {
                return (step.name, delegate ?? first.name, outcome.reason ?? "failed")
            }
        }
        return nil
    }

    /// One host's steps in order; on failure its own rollback (unless the stage says `leave`).
    private static func runHost(
        _ host: Host, stage: Stage, stageIndex: Int, batchIndex: Int, context: TemplateContext, runner: StepRunner,
        engine: RolloutEngine, critical: CriticalFailure, once: OnceResults
    ) async -> HostResult {
        var result = HostResult(host: host.name)
        for (index, step) in stage.steps.enumerated() {
            if critical.first != nil {
                // A critical failure elsewhere halts the run: a host stopped half-way counts as failed so it is
                // rolled back.
                if result.changed || index > 0 {
                    result.failed = true
                    result.reason = "stopped before '\(step.name)' (the run is halting)"
                    result.failedStep = step.name
                }
                return result
            }
            if engine.stop.isStopping || Task.isCancelled {
                // The operator stopped the run: the host keeps what it has done, to be resumed.
                if index > 0 {
                    result.interrupted = true
                    result.reason = "interrupted before '\(step.name)'"
                }
                return result
            }
            let ref = StepRef(
                stage: stageIndex, batch: batchIndex, phase: .steps, step: index, name: step.name, host: host.name,
                delegatedTo: step.delegateTo.flatMap { context.render($0) })
            if step.changesHost && !engine.configuration.checkOnly { result.changed = true }
            let outcome: StepOutcome
            if let recorded = engine.configuration.resume?.outcome(for: ref) {
                outcome = recorded
            } else if step.runOnce {
                await engine.events(.stepStarted(ref))
                outcome = await once.result(for: index, host: host.name) {
                    await runner.run(step, for: host, context: context)
                }
                await engine.events(.stepFinished(ref, outcome))
            } else {
                await engine.events(.stepStarted(ref))
                outcome = await runner.run(step, for: host, context: context)
                await engine.events(.stepFinished(ref, outcome))
            }
            result.steps += 1
            result.duration += outcome.duration
            if outcome.status == .failed {
                result.failed = true
                result.failedStep = step.name
                result.reason = "\(step.name): \(outcome.reason ?? "failed")"
                if step.critical { critical.record(step: step.name, host: host.name) }
                break
            }
        }
        guard result.failed else { return result }
        await engine.events(.hostFailed(stage: stageIndex, host: host.name, step: result.failedStep ?? "", reason: result.reason ?? ""))
        guard stage.onHostFailure == .rollback, result.changed, !stage.rollback.isEmpty else { return result }
        await engine.events(.rollbackStarted(stage: stageIndex, hosts: [host.name], reason: result.reason ?? "step failed"))
        let failure = await rollBack(host, stage: stage, stageIndex: stageIndex, batchIndex: batchIndex, context: context, runner: runner, engine: engine)
        result.rollback = failure == nil
        await engine.events(.rollbackFinished(stage: stageIndex, host: host.name, succeeded: failure == nil, reason: failure))
        return result
    }

    /// The stage's rollback steps on one host, stopping at the first failure.
    /// - Returns: nil on success, else why it failed.
    private static func rollBack(
        _ host: Host, stage: Stage, stageIndex: Int, batchIndex: Int, context: TemplateContext, runner: StepRunner,
        engine: RolloutEngine
    ) async -> String? {
        for (index, step) in stage.rollback.enumerated() {
            let ref = StepRef(
                stage: stageIndex, batch: batchIndex, phase: .rollback, step: index, name: step.name, host: host.name,
                delegatedTo: step.delegateTo.flatMap { context.render($0) })
            let outcome: StepOutcome
            if let recorded = engine.configuration.resume?.outcome(for: ref) {
                outcome = recorded
            } else {
                await engine.events(.stepStarted(ref))
                outcome = await runner.run(step, for: host, context: context)
                await engine.events(.stepFinished(ref, outcome))
            }
            if outcome.status == .failed { return "\(step.name): \(outcome.reason ?? "failed")" }
        }
        return nil
    }

    /// After a halt: every stage that ran, in reverse order; within it, the hosts it changed, batch by batch in
    /// reverse order, each group concurrently.
    /// - Returns: hosts whose rollback failed (including earlier ones), and changed hosts with no rollback steps.
    private mutating func rollBack(because halt: Decision, failuresSoFar: Int) async -> (Int, Int) {
        var failures = failuresSoFar
        var unrolled = 0
        for record in records.reversed() {
            for (batchIndex, changed) in record.changedByBatch.enumerated().reversed() {
                let group = changed.filter { !(settled[record.index]?.contains($0) ?? false) && !leftAlone.contains($0) }
                guard !group.isEmpty else { continue }
                if record.stage.rollback.isEmpty {
                    // A stage without rollback steps has nothing to undo (a backup, a check, an idempotent setup),
                    // unless it is the stage that halted: its half-done change cannot be undone, so the run FAILED.
                    guard record.index == halt.stage else {
                        keptChanges.append(record.name)
                        continue
                    }
                    for name in group {
                        unrolled += 1
                        settled[record.index, default: []].insert(name)
                        states[name]?.state = .failed
                        if states[name]?.reason == nil {
                            states[name]?.reason = "changed by '\(record.name)', which halted and has no rollback steps"
                        }
                        await emit(
                            .rollbackFinished(
                                stage: record.index, host: name, succeeded: false,
                                reason: "the stage defines no rollback steps"))
                    }
                    continue
                }
                await emit(.rollbackStarted(stage: record.index, hosts: group, reason: halt.reason))
                let runner = self.runner
                let engine = self.engine
                let hosts = group.compactMap { engine.inventory.host(named: $0) }
                let batchHosts = group
                let contexts = hosts.map { context(for: $0, stageName: record.name, batchIndex: batchIndex, batchHosts: batchHosts) }
                let stage = record.stage
                let stageIndex = record.index
                let outcomes = await withTaskGroup(of: (String, String?).self) { taskGroup in
                    for (index, host) in hosts.enumerated() {
                        taskGroup.addTask {
                            let failure = await Self.rollBack(
                                host, stage: stage, stageIndex: stageIndex, batchIndex: batchIndex,
                                context: contexts[index], runner: runner, engine: engine)
                            return (host.name, failure)
                        }
                    }
                    var collected: [(String, String?)] = []
                    for await outcome in taskGroup { collected.append(outcome) }
                    return collected
                }
                for (name, failure) in outcomes.sorted(by: { $0.0 < $1.0 }) {
                    settled[record.index, default: []].insert(name)
                    await emit(.rollbackFinished(stage: record.index, host: name, succeeded: failure == nil, reason: failure))
                    if let failure {
                        failures += 1
                        states[name]?.state = .rollbackFailed
                        states[name]?.reason = "rollback: \(failure)"
                    } else {
                        states[name]?.state = .rolledBack
                    }
                }
            }
        }
        return (failures, unrolled)
    }
}

/// `run_once` steps within a batch: the first host to reach the step runs it; the others wait for and share
/// its outcome.
private actor OnceResults {
    private var tasks: [Int: (host: String, task: Task<StepOutcome, Never>)] = [:]

    func result(for step: Int, host: String, run: @escaping @Sendable () async -> StepOutcome) async -> StepOutcome {
        if let existing = tasks[step] {
            var shared = await existing.task.value
            if shared.status == .ok { shared.status = .skipped }
            shared.reason = "run_once: ran on \(existing.host)" + (shared.reason.map { " (\($0))" } ?? "")
            return shared
        }
        let task = Task { await run() }
        tasks[step] = (host, task)
        return await task.value
    }
}

/// The first critical step that failed in a batch; once set, no host of the batch starts another step.
private final class CriticalFailure: Sendable {
    private let value = Mutex<(step: String, host: String)?>(nil)

    var first: (step: String, host: String)? { value.withLock { $0 } }

    func record(step: String, host: String) {
        value.withLock { current in
            if current == nil { current = (step, host) }
        }
    }
}
