import DroverAnalysis
import DroverEngine
import DroverLoading
import DroverJournal
import DroverModel
import DroverNotify
import Foundation

extension RunCoordinator {
    /// `drover run`: loads and checks everything, records the run, judges the policy (waiting for the window when
    /// asked), leases the target machines and runs the playbook to its end.
    /// - Returns: how it ended; a run refused by the policy or a held lease, or stopped while it waited for its
    ///   window, ends too (REFUSED, INTERRUPTED), recorded like any other.
    /// - Throws: `RuntimeError` when it cannot start: bad input (64, nothing recorded), an unusable journal (1), the
    ///   operator declining at the prompt (64, recorded as refused).
    public func run(_ request: RunRequest, stop: StopSignal) async throws -> RunOutcome {
        let services = self.services
        let console = services.console
        let responder = StopResponder(stop: stop, console: console, operator: services.identity.operator)
        defer { responder.finish() }
        let loader = services.loader
        let inventory = try loader.inventory(path: request.inventoryPath, sshConfig: request.sshConfig)
        let file = try loader.playbook(path: request.playbookPath, inventory: inventory, extraVars: request.extraVars)
        let selected = try loader.selected(in: inventory, limit: request.limit)
        let playbook = file.playbook
        let targets = try RunTargets.resolve(playbook: playbook, inventory: inventory, selected: selected)
        let (policy, policyNote) = try loader.policy(explicit: request.policyPath, inventoryPath: request.inventoryPath)
        let runID = request.runID ?? Self.newRunID(now: services.clock.date)
        var logger = services.logger
        logger[metadataKey: "run.id"] = "\(runID)"

        // The journal first: a journal that cannot be written stops the run before any host is touched, and a
        // refused run is recorded like any other.
        let record = RunRecord(
            id: runID, playbook: playbook.name, playbookPath: file.path, playbookHash: file.sha256,
            inventoryPath: URL(fileURLWithPath: request.inventoryPath).standardizedFileURL.path, limit: request.limit,
            sshConfig: request.sshConfig, forks: request.forks, environment: inventory.environment,
            operator: services.identity.operator, change: playbook.change, hostCount: targets.count,
            checkOnly: request.check, outline: StageOutline.of(playbook), startedAt: services.clock.date,
            inputs: RunInputs(extraVars: request.extraVars.recorded(), targetsDigest: RunTargets.digest(targets)))
        try await journal { try await services.journal.begin(record) }
        let fence = fence(runID, targets: targets)
        let sink = RunSink(recorder: recorder(runID, fence: fence), console: console)
        responder.attach(sink, operator: services.identity.operator)
        let started = RunStarted(
            runID: runID, playbook: playbook.name, environment: inventory.environment, change: playbook.change,
            hostCount: targets.count, check: request.check)
        _ = await sink.record(.runStarted(started))
        if let policyNote { console.say(.note("policy: " + policyNote)) }

        // The policy, before connecting to anything.
        let judge = { (instant: Date) in
            PolicyGate.decide(
                policy: policy, environment: inventory.environment, change: playbook.change,
                emergency: request.emergency, at: instant)
        }
        var gate = judge(services.clock.date)
        if !gate.allowed, let maxWait = request.waitForWindow, gate.refusedForTime {
            if let opening = gate.verdict.nextOpening,
                opening.timeIntervalSince(services.clock.date) <= Double(maxWait.components.seconds)
            {
                _ = await sink.record(
                    .waitingForWindow(opensAt: PolicyGate.seconds(opening), window: gate.verdict.nextWindow))
                logger.info("waiting for the window", metadata: ["opens_at": "\(EventChain.timestamp(opening))"])
                guard await WindowWait.until(opening, clock: services.clock, stop: stop) else {
                    let window = gate.verdict.nextWindow.map { " '\($0)'" } ?? ""
                    return await finish(
                        runID, sink: sink, status: .interrupted,
                        reason: "stopped by the operator while waiting for the window\(window) opening at "
                            + "\(EventChain.timestamp(opening)); nothing was started (drover resume \(runID) starts "
                            + "it when the policy allows)")
                }
                gate = judge(services.clock.date)
            } else {
                gate.check.sentence += "; that is further away than --max-wait \(DurationText.format(maxWait))"
            }
        }
        _ = await sink.record(.policyChecked(gate.check))
        logger.debug("policy checked", metadata: ["allowed": "\(gate.allowed)", "rule": "\(gate.check.rule)"])
        let notices: (any RunNotices)?
        let incidents = PlannedIncidents()
        do {
            notices = try self.notices(
                enabled: request.notify && !request.check, policy: policy, playbook: playbook, runID: runID,
                environment: inventory.environment, targets: targets, gate: gate, sink: sink, incidents: incidents)
        } catch {
            // Recorded as refused, not left RUNNING: nothing was touched.
            _ = await finish(runID, sink: sink, status: .refused, reason: "\(error)")
            throw error
        }
        guard gate.allowed else {
            notices?.refused(reason: gate.check.sentence)
            await notices?.finish()
            return await finish(runID, sink: sink, status: .refused, reason: gate.check.sentence)
        }
        // Every Prometheus query once, before any host is touched: bad PromQL refuses the run with the server's words.
        let rejected = await AnalysisPreflight.problems(
            RunPlan(playbook: playbook, inventory: inventory, targets: targets, runID: runID), playbook: playbook,
            inventory: inventory, runID: runID, source: services.metrics.prometheus)
        if !rejected.isEmpty {
            for line in rejected { console.say(.error(line)) }
            let reason = "REFUSED: " + rejected.joined(separator: "; ")
            notices?.refused(reason: reason)
            await notices?.finish()
            return await finish(runID, sink: sink, status: .refused, reason: reason)
        }
        if request.confirm, !request.check {
            let place = inventory.environment.map { " in \($0)" } ?? ""
            guard await console.confirm("Run '\(playbook.name)' on \(targets.count) hosts\(place)?") else {
                _ = await finish(
                    runID, sink: sink, status: .refused, reason: "the operator declined at the confirmation prompt")
                throw RuntimeError.invalidInput("not run")
            }
        }

        // The machines, all or none; a held one refuses the run (recorded as refused, nothing touched).
        let conflicts = try await journal {
            try await services.journal.acquireLeases(
                LeaseRequest(holder: fence.holder, targets: fence.targets, ttl: services.leaseTime))
        }
        if !conflicts.isEmpty {
            let refusal = try await refusal(conflicts)
            for line in refusal.advice { console.say(.error(line)) }
            return await finish(runID, sink: sink, status: .refused, reason: refusal.reason)
        }
        logger.debug("leased", metadata: ["machines": "\(fence.targets.count)"])
        if !request.check {
            await linkSchedule(
                runID, playbookPath: file.path, inventoryPath: request.inventoryPath, change: playbook.change,
                incidents: incidents)
        }
        sink.tell(notices)
        notices?.handle(.runStarted(started))
        if let override = gate.check.emergency { _ = await sink.record(.emergencyOverride(override)) }
        return await execute(
            Execution(
                runID: runID, playbook: playbook, inventory: inventory, targets: targets, check: request.check,
                forks: request.forks, baseDirectory: InventoryLoader.directory(of: file.path), gate: gate,
                time: Self.plannedTime(playbook: playbook, inventory: inventory, targets: targets, check: request.check),
                resume: nil, fence: fence,
                notices: notices, policyPath: request.policyPath),
            sink: sink, responder: responder, stop: stop, logger: logger)
    }

    /// What a run's time is judged by before any batch is measured, from its plan (`BatchTime`): the first batch's
    /// expected length (the change's estimate over the planned batches, but at least the first stage's analysis
    /// soak) and the analysis soak of every planned batch (overrun's floor); no soak in check mode.
    static func plannedTime(
        playbook: Playbook, inventory: Inventory, targets: [DroverModel.Host], check: Bool
    ) -> PlannedTime {
        let plan = RunPlan(playbook: playbook, inventory: inventory, targets: targets)
        let batches = plan.stages.map(\.batches.count).reduce(0, +)
        let firstStage = plan.stages.firstIndex { !$0.batches.isEmpty }.flatMap {
            playbook.stages.indices.contains($0) ? $0 : nil
        }
        let firstSoak = check ? .zero : BatchTime.soak(firstStage.flatMap { playbook.stages[$0].analysis })
        return PlannedTime(
            firstBatchEstimate: BatchTime.firstBatchEstimate(
                estimate: playbook.change.estimate, batches: batches, firstSoak: firstSoak),
            analysisSoak: check ? .zero : BatchTime.analysisSoak(plan))
    }

    /// Ends a run that never reached the engine: its `run_finished`, written before anything else is said.
    func finish(_ runID: String, sink: RunSink, status: RunStatus, reason: String) async -> RunOutcome {
        _ = await sink.record(.runFinished(status: status, reason: reason, duration: .zero))
        await sink.recorder.flush()
        return RunOutcome(runID: runID, status: status, reason: reason, summary: nil)
    }

    /// The run's notices, or nil when disabled or no target is configured.
    func notices(
        enabled: Bool, policy: Policy?, playbook: Playbook, runID: String, environment: String?,
        targets: [DroverModel.Host], gate: PolicyGate.Outcome, sink: RunSink, openSilences: [String] = [],
        incidents: PlannedIncidents = PlannedIncidents()
    ) throws -> (any RunNotices)? {
        guard enabled, let settings = Self.noticeSettings(policy: policy, environment: environment, playbook: playbook)
        else { return nil }
        var window: NoticeWindow?
        if let end = gate.closesAt {
            var name: String?
            if case .window(let open) = gate.verdict.basis { name = open }
            window = NoticeWindow(name: name, end: end)
        }
        return try services.notices(
            NoticeRequest(
                settings: settings, zone: policy.flatMap { TimeZone(identifier: $0.timeZone) } ?? TimeZone(identifier: "UTC")!,
                runID: runID, playbook: playbook, environment: environment, hostCount: targets.count, window: window,
                report: { sink.report($0) }, hosts: targets.map { ($0.name, $0.connection.address) },
                note: { sink.note($0) }, openSilences: openSilences, groups: Scheduler.groups(of: targets),
                incidents: incidents))
    }

    /// The sentences for a refusal by held leases, each holder judged at the journal's time.
    func refusal(_ conflicts: [LeaseConflict]) async throws -> LeaseRefusal {
        let now = try await journal { try await services.journal.now() }
        return LeaseRefusal(conflicts: conflicts) { liveness($0, now: now) }
    }
}
