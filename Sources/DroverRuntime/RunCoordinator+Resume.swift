import DroverEngine
import DroverLoading
import DroverJournal
import DroverModel
import Foundation

extension RunCoordinator {
    /// `drover resume RUN`: continues an interrupted run with exactly the inputs it recorded (the same playbook
    /// bytes, an inventory that resolves to the same targets, the same `-e` values, secrets given again), after the
    /// policy allows it again; steps the journal records as finished are not run again. Of two resumes of one run
    /// at once, exactly one gets the run's machines (taken over only from the controller found dead); the other is
    /// refused naming it.
    /// - Throws: `RuntimeError` when it does not go ahead; the run then stays as it was (INTERRUPTED): another
    ///   controller still works on it (4), the policy refuses it now (4), an input changed or is missing (64), a
    ///   cut-off step needs a person (5), an event cannot be read (1).
    public func resume(_ request: ResumeRequest, stop: StopSignal) async throws -> RunOutcome {
        let services = self.services
        let console = services.console
        let responder = StopResponder(stop: stop, console: console, operator: services.identity.operator)
        defer { responder.finish() }
        let id = request.runID
        var logger = services.logger
        logger[metadataKey: "run.id"] = "\(id)"
        guard let record = try await journal({ try await services.journal.run(id) }) else {
            throw RuntimeError.invalidInput("the journal has no run '\(id)' (drover runs lists them)")
        }
        if let status = record.status, status != .interrupted {
            throw RuntimeError.invalidInput("run \(id) already ended \(status.rawValue); there is nothing to resume")
        }
        let deadHolder = try await claimable(record)

        // The inputs the run recorded, or a sentence saying what changed.
        let loader = services.loader
        let inventoryPath = request.inventoryPath ?? record.inventoryPath
        let inventory = try loader.inventory(path: inventoryPath, sshConfig: record.sshConfig)
        let recordedInputs = !record.inputs.targetsDigest.isEmpty
        let extraVars: ExtraVariables
        if recordedInputs {
            extraVars = try ExtraVariables.forResume(recorded: record.inputs.extraVars, given: request.extraVars, run: id)
        } else {
            extraVars = request.extraVars
            console.say(
                .note(
                    "run \(id) was recorded by an older Drover that did not keep its -e values or its targets: "
                        + "resuming with the -e given now"))
        }
        let file = try loader.playbook(path: record.playbookPath, inventory: inventory, extraVars: extraVars)
        guard file.sha256 == record.playbookHash else {
            throw RuntimeError.invalidInput(
                "the playbook \(record.playbookPath) changed since run \(id) started; refusing to resume (restore "
                    + "it, or start a new run)")
        }
        let playbook = file.playbook
        let selected = try loader.selected(in: inventory, limit: record.limit)
        let targets = try RunTargets.resolve(playbook: playbook, inventory: inventory, selected: selected)
        if recordedInputs, RunTargets.digest(targets) != record.inputs.targetsDigest {
            throw RuntimeError.invalidInput(
                "the inventory \(inventoryPath) no longer resolves to the hosts run \(id) started with (a host, "
                    + "address, port, user, key or variable changed, here or in ssh_config); a resume runs with the "
                    + "inputs the run recorded: restore them, or start a new run")
        }

        // Every event, or a refusal naming the one this Drover cannot read: a dropped step_finished would run a
        // completed step again.
        let events = try await journal { try await services.journal.events(run: id) }
        let entries: [JournalEntry]
        do {
            entries = try events.map { try $0.entry() }
        } catch {
            throw RuntimeError.failed("\(error); run \(id) is not resumed")
        }

        // The policy again: resuming is starting work, and the window may have closed since. A run started as an
        // approved emergency continues as the same emergency (the policy still decides whether that may override).
        let emergency = entries.lazy.reversed().compactMap { entry -> EmergencyOverride? in
            if case .event(.emergencyOverride(let override)) = entry { return override }
            return nil
        }.first
        let (policy, _) = try loader.policy(explicit: request.policyPath, inventoryPath: inventoryPath)
        let gate = PolicyGate.decide(
            policy: policy, environment: inventory.environment, change: playbook.change,
            emergency: emergency.map { PolicyGate.Emergency(reason: $0.reason, approvedBy: $0.approvedBy) },
            at: services.clock.date)
        guard gate.allowed else {
            _ = try? await services.journal.append(
                .note(
                    JournalNote(
                        kind: .resumeRefused, text: "resume refused: " + gate.check.sentence,
                        by: services.identity.operator)),
                run: id)
            throw RuntimeError.refused(
                gate.check.sentence + "\nnot resumed: run \(id) stays INTERRUPTED; resume it in the next opening")
        }

        let plan = ResumePlan(entries: entries, playbook: playbook, rerunUnfinished: request.rerunUnfinished)
        guard plan.canContinue else {
            var lines: [String] = []
            for ref in plan.needsAttention {
                let host = ref.delegatedTo ?? ref.host
                let text =
                    "\(host) needs attention: '\(ref.name)' (stage \(ref.stage + 1), \(ref.phase.rawValue) step "
                    + "\(ref.step + 1)) was started but never finished, and it is not marked idempotent"
                _ = try? await services.journal.append(
                    .note(JournalNote(kind: .needsAttention, text: text, hosts: [host], by: services.identity.operator)),
                    run: id)
                lines.append(text)
            }
            lines.append(
                "not resumed: check \(plan.hostsNeedingAttention.joined(separator: ", ")), then run "
                    + "drover resume \(id) --rerun-unfinished")
            throw RuntimeError.interrupted(lines.joined(separator: "\n"))
        }
        if request.confirm, !record.checkOnly {
            let place = inventory.environment.map { " in \($0)" } ?? ""
            guard await console.confirm("Resume run \(id) '\(playbook.name)' on \(targets.count) hosts\(place)?") else {
                throw RuntimeError.invalidInput("not resumed")
            }
        }

        // Its notices before its machines: a notice template that does not compile refuses the resume while the run
        // still holds nothing.
        let fence = fence(id, targets: targets)
        let sink = RunSink(recorder: recorder(id, fence: fence), console: console)
        let notices = try notices(
            enabled: request.notify && !record.checkOnly, policy: policy, playbook: playbook, runID: id,
            environment: inventory.environment, targets: targets, gate: gate, sink: sink,
            openSilences: JournalNote.openSilences(in: events),
            incidents: PlannedIncidents(JournalNote.statusPageIncidents(in: events)))

        // The run's machines: taken over only from the controller found dead; a live holder (another resume) wins.
        let conflicts = try await journal {
            try await services.journal.acquireLeases(
                LeaseRequest(
                    holder: fence.holder, targets: fence.targets, ttl: services.leaseTime, takeOverFrom: deadHolder))
        }
        if !conflicts.isEmpty {
            await notices?.finish()  // nothing was told: the notices' queues just close
            let refusal = try await refusal(conflicts)
            throw RuntimeError.refused(
                (["REFUSED (exit 4): \(refusal.reason)"] + refusal.advice + ["run \(id) is not resumed here"])
                    .joined(separator: "\n"))
        }
        let rerun = plan.rerun.map { "'\($0.name)' on \($0.host)" }
        sink.note(
            JournalNote(
                kind: .resumed,
                text: "\(services.identity.operator) resumed the run: \(plan.state.completed.count) completed steps are "
                    + "not run again" + (rerun.isEmpty ? "" : "; cut-off steps run again: " + rerun.joined(separator: ", ")),
                hosts: plan.rerun.map(\.host), by: services.identity.operator))
        responder.attach(sink, operator: services.identity.operator)
        console.say(.info("resuming run \(id): \(plan.state.completed.count) completed steps will not run again"))
        sink.tell(notices)
        notices?.resumed(
            RunStarted(
                runID: id, playbook: playbook.name, environment: inventory.environment, change: playbook.change,
                hostCount: targets.count, check: record.checkOnly))
        if let override = gate.check.emergency {
            // Recorded (and shown) again: this part of the run, too, ran under the override.
            _ = await sink.record(.emergencyOverride(override))
        }
        return await execute(
            Execution(
                runID: id, playbook: playbook, inventory: inventory, targets: targets, check: record.checkOnly,
                forks: request.forks ?? record.forks, baseDirectory: InventoryLoader.directory(of: record.playbookPath),
                // The batches the interrupted attempts measured come first (`ResumeState.measured`); the estimate
                // counts only when they finished none.
                gate: gate,
                time: Self.plannedTime(
                    playbook: playbook, inventory: inventory, targets: targets, check: record.checkOnly),
                resume: plan.state, fence: fence, notices: notices,
                policyPath: request.policyPath),
            sink: sink, responder: responder, stop: stop, logger: logger)
    }

    /// A run whose controller still holds leases and may be working is live: resuming it would run steps twice at
    /// once.
    /// - Returns: the run's holder found provably gone (its leases are taken over from exactly it), or nil.
    /// - Throws: `RuntimeError` (4) naming the controller that may still work on the run.
    func claimable(_ record: RunRecord) async throws -> LeaseHolder? {
        let services = self.services
        let (leases, now) = try await journal { (try await services.journal.leases(), try await services.journal.now()) }
        let held = leases.filter { $0.holder.run == record.id && $0.isHeld(at: now) }
        var dead: LeaseHolder?
        for lease in held {
            let holder = lease.holder
            switch liveness(lease, now: now) {
            case .dead, .lapsed:
                dead = dead ?? holder
            case .alive:
                throw RuntimeError.refused(
                    "REFUSED (exit 4): run \(record.id) is still live: its controller (pid \(holder.pid), "
                        + "\(holder.operator)) holds \(held.count) machine\(held.count == 1 ? "" : "s"); stop it "
                        + "first, or wait for it")
            case .unknown:
                throw RuntimeError.refused(
                    "REFUSED (exit 4): run \(record.id) may still be live on \(holder.controller) (pid \(holder.pid)); "
                        + "its leases expire at \(EventChain.timestamp(lease.expiresAt)) unless renewed (or: drover "
                        + "unlock \(lease.names.joined(separator: " ")) --force)")
            }
        }
        return dead
    }
}
