import DroverModel
public import Foundation

/// A run's maintenance log as the runbooks lay it out — change id, title, date, window, operator and approver,
/// pre-maintenance checks, a timestamped execution log, issues encountered, verification results, completion time,
/// total duration, final status — built from the journal alone (pure; rendered by `markdown()`, `text()` and JSON).
///
/// Checks are told apart by the run's outline: check steps in the stages before the first stage that changes
/// anything are the pre-maintenance checks; check steps from that stage on are the verification.
public struct MaintenanceLog: Sendable, Hashable, Encodable {
    /// A timestamped line of the execution log or the issues.
    public struct Entry: Sendable, Hashable, Encodable {
        public var time: Date
        public var text: String
    }

    /// One check step across the hosts it ran on.
    public struct CheckResult: Sendable, Hashable, Encodable {
        public var stage: String
        public var step: String
        public var passed: Int
        public var failedHosts: [String]
        public var ok: Bool { failedHosts.isEmpty }
    }

    public var run: RunRecord
    /// The planned window: the start, plus the estimate when there is one.
    public var plannedEnd: Date?
    /// The maintenance policy's verdict when the run was checked ("open: window 'Primary' …"), if recorded.
    public var policyVerdict: String?
    public var preMaintenanceChecks: [CheckResult]
    public var execution: [Entry]
    public var issues: [Entry]
    public var verification: [CheckResult]
    /// Hosts rolled back (successfully) during the run.
    public var rolledBack: [String]
    /// Hosts whose rollback failed.
    public var rollbackFailed: [String]

    /// Builds the log from a run and its events (events this Drover cannot read are named under the issues).
    public init(run: RunRecord, events: [JournalEvent]) {
        self.run = run
        self.plannedEnd = run.change.estimate.map { run.startedAt.addingTimeInterval(Self.seconds($0)) }
        var execution: [Entry] = []
        var issues: [Entry] = []
        var stageNames: [Int: String] = [:]
        var batchCounts: [Int: Int] = [:]
        var checks: [String: (stage: Int, step: Int, name: String, passed: Int, failed: [String])] = [:]
        var rolledBack: [String] = []
        var rollbackFailed: [String] = []
        var reportedFailures: Set<String> = []
        var policyVerdict: String?

        func stageLabel(_ index: Int) -> String {
            "stage \(index + 1)" + (stageNames[index].map { " '\($0)'" } ?? "")
        }

        for event in events {
            let time = event.time
            func log(_ text: String) { execution.append(Entry(time: time, text: text)) }
            func issue(_ text: String) { issues.append(Entry(time: time, text: text)) }
            let entry: JournalEntry
            do {
                entry = try event.entry()
            } catch {
                issue("\(error)")
                continue
            }
            switch entry {
            case .note(let note):
                log(note.text)
                if !JournalNote.Kind.routine.contains(note.kind) { issue(note.text) }
            case .event(let runEvent):
                switch runEvent {
                case .runStarted(let started):
                    log(
                        "run \(started.runID) started: '\(started.playbook)' on \(Self.count(started.hostCount, "host"))"
                            + (started.check ? " (check mode: nothing changed)" : ""))
                case .stageStarted(let stage, let name, let hosts, let sizes):
                    stageNames[stage] = name
                    batchCounts[stage] = sizes.count
                    log(
                        "stage \(stage + 1) '\(name)' started: \(Self.count(hosts.count, "host"))"
                            + (sizes.count > 1 ? " in \(sizes.count) batches \(sizes)" : ""))
                case .batchStarted(let stage, let batch, let hosts):
                    log("\(stageLabel(stage)) batch \(batch + 1)/\(batchCounts[stage] ?? 1) started: \(Self.list(hosts))")
                case .stepStarted:
                    break
                case .stepFinished(let ref, let outcome):
                    let who = ref.delegatedTo.map { "\(ref.host) via \($0)" } ?? ref.host
                    if ref.phase == .steps, run.outline.indices.contains(ref.stage),
                        run.outline[ref.stage].steps.indices.contains(ref.step),
                        run.outline[ref.stage].steps[ref.step].isCheck, outcome.status != .skipped
                    {
                        let key = "\(ref.stage)/\(ref.step)"
                        var check = checks[key] ?? (ref.stage, ref.step, ref.name, 0, [])
                        if outcome.status == .ok { check.passed += 1 } else { check.failed.append(ref.host) }
                        checks[key] = check
                    }
                    switch outcome.status {
                    case .failed:
                        let text = "\(who): '\(ref.name)' failed (\(stageLabel(ref.stage))): \(outcome.reason ?? "failed")"
                        log(text)
                        issue(text)
                        reportedFailures.insert("\(ref.stage)/\(ref.host)")
                    case .ignored:
                        issue("\(who): '\(ref.name)' failed, ignored: \(outcome.reason ?? "failed")")
                    case .ok where ref.phase == .beforeBatch || ref.phase == .afterBatch:
                        log("\(who): \(ref.phase.rawValue) '\(ref.name)' ok")
                    default:
                        break
                    }
                case .hostFailed(let stage, let host, let step, let reason):
                    if reportedFailures.insert("\(stage)/\(host)").inserted {
                        let text = "\(host) failed at '\(step)' (\(stageLabel(stage))): \(reason)"
                        log(text)
                        issue(text)
                    }
                case .batchFinished(let stage, let batch, let succeeded, let failed, let duration):
                    log(
                        "\(stageLabel(stage)) batch \(batch + 1) finished in \(DurationText.format(duration)): "
                            + "\(succeeded.count) ok" + (failed.isEmpty ? "" : ", \(failed.count) failed (\(Self.list(failed)))"))
                case .decision(let decision):
                    switch decision.action {
                    case .continue: log("decision: continue — \(decision.reason)")
                    case .halt:
                        let text = "decision: HALT \(stageLabel(decision.stage)) (\(decision.rule.rawValue)) — \(decision.reason)"
                        log(text)
                        issue(text)
                    case .stop:
                        let text = "decision: STOP \(stageLabel(decision.stage)) (\(decision.rule.rawValue)) — \(decision.reason)"
                        log(text)
                        issue(text)
                    case .pause:
                        let text = "decision: PAUSE \(stageLabel(decision.stage)) (\(decision.rule.rawValue)) — \(decision.reason)"
                        log(text)
                        issue(text)
                    default:
                        let text =
                            "decision: '\(decision.action)' \(stageLabel(decision.stage)) (\(decision.rule.rawValue)) — "
                            + "\(decision.reason) [an action recorded by a newer Drover]"
                        log(text)
                        issue(text)
                    }
                case .rollbackStarted(let stage, let hosts, let reason):
                    log("rollback of \(stageLabel(stage)) started on \(Self.list(hosts)): \(reason)")
                case .rollbackFinished(let stage, let host, let succeeded, let reason):
                    if succeeded {
                        log("\(host) rolled back (\(stageLabel(stage)))")
                        if !rolledBack.contains(host) { rolledBack.append(host) }
                    } else {
                        let text = "\(host): ROLLBACK FAILED (\(stageLabel(stage))): \(reason ?? "failed")"
                        log(text)
                        issue(text)
                        if !rollbackFailed.contains(host) { rollbackFailed.append(host) }
                    }
                case .stageFinished(let stage, let succeeded, let failed, let skipped):
                    log(
                        "\(stageLabel(stage)) finished: \(succeeded.count) ok, \(failed.count) failed"
                            + (skipped.isEmpty ? "" : ", \(skipped.count) skipped"))
                case .runFinished(let status, let reason, _):
                    log("run finished: \(status.rawValue) — \(reason)")
                    if status == .interrupted { issue("the run was interrupted: \(reason)") }
                    if status == .refused { issue("the run was refused: \(reason)") }
                case .policyChecked(let check):
                    log("policy: \(check.sentence)")
                    if policyVerdict == nil { policyVerdict = check.sentence }
                case .emergencyOverride(let override):
                    let text =
                        "EMERGENCY override approved by \(override.approvedBy): \(override.reason)"
                        + (override.overrides.map { " (overrides \($0))" } ?? "")
                    log(text)
                    issue(text)
                case .waitingForWindow(let opensAt, let name):
                    log(
                        "waiting for the window" + (name.map { " '\($0)'" } ?? "") + " opening at "
                            + EventChain.timestamp(Date(timeIntervalSince1970: TimeInterval(opensAt))))
                case .leaseLost(let stage, let host, let reason):
                    let text = "\(host) lease lost (\(stageLabel(stage))): \(reason); nothing more was started there"
                    log(text)
                    issue(text)
                case .operatorAnswered(let answer):
                    let who = answer.by.map { "\($0) answered" } ?? "no answer in time:"
                    let text = "\(who) \(answer.choice) (\(stageLabel(answer.stage))): \(answer.reason)"
                    log(text)
                    issue(text)
                case .notification(let event, let target, let delivered, let error):
                    if delivered {
                        log("notice '\(event.rawValue)' sent to \(target)")
                    } else {
                        let text = "notice '\(event.rawValue)' to \(target) not delivered: \(error ?? "unknown error")"
                        log(text)
                        issue(text)
                    }
                }
            }
        }
        if run.status == nil, let last = events.last {
            issues.append(
                Entry(
                    time: last.time,
                    text: "the run has no recorded end: its controller stopped or is still running (drover resume \(run.id))"))
        }
        let firstChanging = run.outline.firstIndex { !$0.onlyChecks } ?? run.outline.count
        let ordered = checks.values.sorted { ($0.stage, $0.step) < ($1.stage, $1.step) }.map { check in
            (check.stage, CheckResult(
                stage: stageNames[check.stage] ?? run.outline[check.stage].name, step: check.name,
                passed: check.passed, failedHosts: check.failed.sorted()))
        }
        self.preMaintenanceChecks = ordered.filter { $0.0 < firstChanging }.map(\.1)
        self.verification = ordered.filter { $0.0 >= firstChanging }.map(\.1)
        self.execution = execution
        self.policyVerdict = policyVerdict
        self.issues = issues
        self.rolledBack = rolledBack
        self.rollbackFailed = rollbackFailed
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func count(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }

    static func list(_ names: [String]) -> String {
        names.count <= 8 ? names.joined(separator: " ") : names.prefix(6).joined(separator: " ") + " … (\(names.count) hosts)"
    }

    private enum CodingKeys: String, CodingKey {
        case run, change, window, people, preMaintenanceChecks = "pre_maintenance_checks", execution, issues,
            verification, rolledBack = "rolled_back", rollbackFailed = "rollback_failed", completion
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(
            [
                "id": run.id, "playbook": run.playbook, "environment": run.environment ?? "",
                "status": run.statusText,
            ], forKey: .run)
        try container.encode(
            [
                "id": run.change.id ?? "", "type": run.change.type.rawValue,
                "estimate": run.change.estimate.map(DurationText.format) ?? "",
            ], forKey: .change)
        try container.encode(
            ["start": EventChain.timestamp(run.startedAt), "planned_end": plannedEnd.map(EventChain.timestamp) ?? ""],
            forKey: .window)
        try container.encode(["operator": run.operator, "approver": run.change.approvedBy ?? ""], forKey: .people)
        try container.encode(preMaintenanceChecks, forKey: .preMaintenanceChecks)
        try container.encode(execution, forKey: .execution)
        try container.encode(issues, forKey: .issues)
        try container.encode(verification, forKey: .verification)
        try container.encode(rolledBack, forKey: .rolledBack)
        try container.encode(rollbackFailed, forKey: .rollbackFailed)
        try container.encode(
            [
                "completed_at": run.finishedAt.map(EventChain.timestamp) ?? "",
                "duration": run.duration.map(DurationText.format) ?? "", "status": run.statusText,
                "reason": run.reason ?? "",
            ], forKey: .completion)
    }
}
