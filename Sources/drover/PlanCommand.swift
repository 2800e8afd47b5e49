import ArgumentParser
import DroverEngine
import DroverLoading
import DroverModel
import Foundation

/// `drover plan PLAYBOOK -i INV [--limit P] [--output json]`: what a run would do, without connecting.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print each stage's hosts, batches and resolved steps; connects to nothing.",
        discussion: "The plan assumes every host succeeds: at run time failed hosts leave later stages."
    )

    @Argument(help: "The playbook file (YAML).")
    var playbook: String

    @OptionGroup var selection: InventoryOptions

    @Option(name: [.customShort("e"), .customLong("extra-var")], help: ArgumentHelp(
        "Set a playbook variable, over the playbook's own (repeatable).", valueName: "name=value"))
    var extraVars: [String] = []

    @Option(help: "human or json (one object).")
    var output: OutputFormat = .human

    @OptionGroup var policyOptions: PolicyOptions

    @Option(help: "The planned start, ISO 8601, for the policy verdict (default: now).", transform: InstantText.parse)
    var at: Date?

    func run() throws {
        let inventory = try selection.load()
        let loaded = try CommandSupport.playbook(playbook, inventory: inventory, extraVars: extraVars)
        let targets = try CommandSupport.hosts(in: inventory, limit: selection.limit)
        let plan = RunPlan(playbook: loaded, inventory: inventory, targets: targets)
        let (policy, source) = try policyOptions.load(inventoryPath: selection.inventory)
        let gate = PolicyGate.decide(
            policy: policy, environment: inventory.environment, change: loaded.change, emergency: nil, at: at ?? Date())
        switch output {
        case .human:
            var text = PlanReport.human(plan, targets: targets.count)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            // The verdict goes with the run's facts, after `targets:`.
            var policyLines = ["  policy: \(gate.check.sentence)"]
            if policy == nil { policyLines.append("  (\(source))") }
            let soak = BatchTime.analysisSoak(plan)
            if let written = loaded.change.estimate, soak > written {
                policyLines.append(
                    "  the estimate \(DurationText.format(written)) is shorter than the analysis soak of the planned "
                        + "batches (\(DurationText.format(soak))): overrun judges the run by \(DurationText.format(soak))")
            }
            if let closesAt = gate.closesAt, let written = loaded.change.estimate {
                let remaining = closesAt.timeIntervalSince(gate.verdict.instant)
                if Double(max(written, soak).components.seconds) > remaining {
                    policyLines.append(
                        "  the estimate \(BatchTime.describe(written, analysisSoak: soak)) does not fit before the "
                            + "window closes: batches that cannot finish in time will not start (PARTIAL)")
                }
            }
            text = (lines.prefix(4) + policyLines.map { Substring($0) } + lines.dropFirst(4)).joined(separator: "\n")
            print(text)
        case .json: print(PlanReport.json(plan, policy: gate.check, source: source))
        }
    }
}

/// Renders a `RunPlan` for people and for machines.
enum PlanReport {
    static func human(_ plan: RunPlan, targets: Int) -> String {
        let playbook = plan.playbook
        var lines: [String] = []
        var change = "\(playbook.change.type.rawValue) change"
        if let id = playbook.change.id { change += " \(id)" }
        if let approver = playbook.change.approvedBy { change += ", approved by \(approver)" }
        if let estimate = playbook.change.estimate { change += ", estimate \(DurationText.format(estimate))" }
        lines.append("Plan: \(playbook.name)")
        lines.append("  environment: \(plan.environment ?? "(none named: no drover_environment in all.vars)")")
        lines.append("  change: \(change)")
        lines.append("  targets: \(counted(targets, "host"))")
        for stage in plan.stages {
            let sizes = stage.batches.map(\.hosts.count)
            lines.append("")
            lines.append(
                "Stage \(stage.index + 1) '\(stage.name)' — hosts: \(stage.stage.hosts) → \(counted(stage.hosts.count, "host")), "
                    + (stage.stage.runOnce ? "run once on the first host" : "\(counted(sizes.count, "batch")) \(sizes)"))
            lines.append("  rules: " + rules(stage.stage))
            if stage.hosts.isEmpty { lines.append("  (no targeted host matches: the stage will be skipped)") }
            for batch in stage.batches {
                lines.append("  batch \(batch.index + 1) (\(batch.hosts.count)): \(RunReporter.list(batch.hosts))")
                append(batch.beforeBatch, label: "before_batch", to: &lines)
                append(batch.steps, label: "steps on each host (as on \(batch.hosts[0]))", to: &lines)
                if let analysis = stage.stage.analysis, !batch.analysis.isEmpty {
                    lines.append("    analysis (before after_batch): " + cadence(analysis, stage.stage))
                    for (index, metric) in batch.analysis.enumerated() { lines.append("      \(index + 1). \(metric)") }
                }
                append(batch.afterBatch, label: "after_batch", to: &lines)
                if let pause = batch.pause { lines.append("    pause for a go-ahead: \(pause)") }
            }
            if stage.hosts.isEmpty {
            } else if stage.rollback.isEmpty {
                lines.append("  rollback: none — a later halt keeps this stage's changes; a halt during it ends FAILED")
            } else {
                append(stage.rollback, label: "rollback on each changed host", to: &lines)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `1 measurement; halts on 1 failure, then rolls back` or `every 30s for 5m (11 measurements), initial delay
    /// 1m; halts on 2 consecutive failures of a metric, then pauses up to 30m for drover decide`.
    private static func cadence(_ analysis: Analysis, _ stage: Stage) -> String {
        var text: String
        if analysis.measurementCount == 1 {
            text = "1 measurement"
        } else {
            text = "every \(DurationText.format(analysis.interval)) for \(DurationText.format(analysis.duration)) "
                + "(\(analysis.measurementCount) measurements)"
        }
        if analysis.initialDelay > .zero { text += ", after \(DurationText.format(analysis.initialDelay))" }
        text += analysis.failureLimit == 1
            ? "; halts on a failed measurement" : "; halts on \(analysis.failureLimit) consecutive failures of a metric"
        switch stage.onHalt {
        case .rollback: text += ", then rolls back"
        case .pause: text += ", then pauses up to \(DurationText.format(stage.pauseTimeout)) for drover decide"
        }
        return text
    }

    private static func rules(_ stage: Stage) -> String {
        var parts: [String] = []
        parts.append("max_fail_percentage " + (stage.maxFailPercentage.map { "\(format($0))%" } ?? "none (a whole batch failing still halts)"))
        parts.append("max_failures " + (stage.maxFailures.map(String.init) ?? "none"))
        if let minimum = stage.minHealthy { parts.append("min_healthy \(minimum)") }
        if stage.pauseBetweenBatches > .zero { parts.append("pause \(DurationText.format(stage.pauseBetweenBatches)) between batches") }
        parts.append("on host failure: \(stage.onHostFailure.rawValue)")
        return parts.joined(separator: "; ")
    }

    private static func append(_ steps: [RunPlan.PlannedStep], label: String, to lines: inout [String]) {
        guard !steps.isEmpty else { return }
        lines.append("    \(label):")
        for (index, step) in steps.enumerated() {
            var line = "      \(index + 1). \(step.action)"
            if let delegate = step.delegateTo {
                // `localhost` is the controller unless the inventory names such a host (then shown as any other).
                line += delegate == Host.controllerName ? "  [on the controller]" : "  [on \(delegate)]"
            }
            if !step.options.isEmpty { line += "  (\(step.options.joined(separator: ", ")))" }
            lines.append(line)
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    static func json(_ plan: RunPlan, policy: PolicyCheck? = nil, source: String? = nil) -> String {
        func steps(_ steps: [RunPlan.PlannedStep]) -> [[String: Any]] {
            steps.map {
                ["name": $0.name, "action": $0.action, "delegate_to": $0.delegateTo ?? NSNull(), "options": $0.options]
            }
        }
        let stages: [[String: Any]] = plan.stages.map { stage in
            [
                "stage": stage.index + 1, "name": stage.name, "pattern": stage.stage.hosts, "hosts": stage.hosts,
                "run_once": stage.stage.runOnce,
                "max_fail_percentage": stage.stage.maxFailPercentage ?? NSNull(),
                "max_failures": stage.stage.maxFailures ?? NSNull(), "min_healthy": stage.stage.minHealthy ?? NSNull(),
                "on_host_failure": stage.stage.onHostFailure.rawValue, "rollback": steps(stage.rollback),
                "on_halt": stage.stage.onHalt.rawValue,
                "batches": stage.batches.map { batch in
                    [
                        "batch": batch.index + 1, "hosts": batch.hosts, "before_batch": steps(batch.beforeBatch),
                        "steps": steps(batch.steps), "after_batch": steps(batch.afterBatch),
                        "analysis": batch.analysis, "pause": batch.pause ?? NSNull(),
                    ] as [String: Any]
                },
            ]
        }
        let object: [String: Any] = [
            "playbook": plan.playbook.name, "environment": plan.environment ?? NSNull(),
            "change": [
                "type": plan.playbook.change.type.rawValue, "id": plan.playbook.change.id ?? NSNull(),
                "approved_by": plan.playbook.change.approvedBy ?? NSNull(),
                "estimate_ms": plan.playbook.change.estimate.map(RunEventJSON.milliseconds) ?? NSNull(),
            ] as [String: Any],
            "analysis_soak_ms": RunEventJSON.milliseconds(BatchTime.analysisSoak(plan)),
            "stages": stages,
            "policy": policy.map { check -> [String: Any] in
                var object = RunEventJSON.fields(.policyChecked(check))
                object["source"] = source ?? NSNull()
                return object
            } ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
