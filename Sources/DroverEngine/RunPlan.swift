public import DroverModel

/// What a run will do if every host succeeds, computed without connecting: each stage's hosts, its batches exactly
/// as `serial` cuts them, and every step with its templates resolved. `drover plan` prints it.
public struct RunPlan: Sendable {
    public struct StagePlan: Sendable {
        public var index: Int
        public var name: String
        public var stage: Stage
        /// The stage's hosts among the run's targets, in inventory order.
        public var hosts: [String]
        public var batches: [BatchPlan]
        /// The rollback steps as they would run on the stage's first host.
        public var rollback: [PlannedStep]
    }

    public struct BatchPlan: Sendable {
        public var index: Int
        public var hosts: [String]
        public var beforeBatch: [PlannedStep]
        /// The stage's steps as the batch's first host will run them (other hosts differ only in host values).
        public var steps: [PlannedStep]
        public var afterBatch: [PlannedStep]
        /// The stage's analysis metrics as this batch measures them (templates resolved), before `after_batch`.
        public var analysis: [String] = []
        /// The stage's `pause:` after this batch: its prompt, timeout and what the timeout does; nil when none.
        public var pause: String? = nil
    }

    /// A step with its action rendered for one host.
    public struct PlannedStep: Sendable {
        public var name: String
        /// The command, upload or check as it will run (`sudo -n` shown when the step becomes root).
        public var action: String
        /// Where it runs when not on the host itself.
        public var delegateTo: String?
        public var options: [String]
    }

    public var playbook: Playbook
    public var environment: String?
    public var stages: [StagePlan]

    /// Plans `playbook` over `targets` (the inventory after `--limit`).
    public init(playbook: Playbook, inventory: Inventory, targets: [Host], runID: String = "RUN-ID") {
        self.playbook = playbook
        self.environment = inventory.environment
        let targetNames = Set(targets.map(\.name))
        var stages: [StagePlan] = []
        for (index, stage) in playbook.stages.enumerated() {
            let name = stage.name.render { playbook.vars[$0].map(TemplateContext.text) } ?? stage.name.source
            let hosts = ((try? inventory.hosts(matching: stage.hosts)) ?? []).filter { targetNames.contains($0.name) }
            let cut = stage.runOnce ? Array(hosts.prefix(1)).map { [$0] } : BatchPlanner.batches(hosts, serial: stage.serial)
            let batches = cut.enumerated().map { batchIndex, batch in
                let names = batch.map(\.name)
                let context = TemplateContext(
                    runID: runID, host: batch[0], stageName: name, batchIndex: batchIndex, batchHosts: names,
                    playbookVars: playbook.vars)
                var measuring = context
                measuring.builtins["batch.regex"] = .string(TemplateContext.batchRegex(batch))
                let analysis = stage.analysis.map { analysis in
                    analysis.metrics.map { Self.describe($0, context: measuring, hosts: batch.count) }
                } ?? []
                let pause = stage.pause.flatMap { pause -> String? in
                    if let condition = pause.when, !context.holds(condition) { return nil }
                    let timeout = pause.timeout ?? stage.pauseTimeout
                    return "'\(pause.prompt)' — waits up to \(DurationText.format(timeout)) for drover decide, "
                        + "then \(pause.onTimeout.rawValue)"
                }
                return BatchPlan(
                    index: batchIndex, hosts: names, beforeBatch: stage.beforeBatch.map { Self.plan($0, context) },
                    steps: stage.steps.map { Self.plan($0, context) },
                    afterBatch: stage.afterBatch.map { Self.plan($0, context) }, analysis: analysis, pause: pause)
            }
            let rollback: [PlannedStep] = hosts.first.map { first -> [PlannedStep] in
                let context = TemplateContext(
                    runID: runID, host: first, stageName: name, batchIndex: 0, batchHosts: cut.first?.map(\.name) ?? [],
                    playbookVars: playbook.vars)
                return stage.rollback.map { Self.plan($0, context) }
            } ?? []
            stages.append(
                StagePlan(
                    index: index, name: name, stage: stage, hosts: hosts.map(\.name), batches: batches, rollback: rollback))
        }
        self.stages = stages
    }

    /// A metric in words with its templates resolved for the batch: `error rate: prometheus http://…
    /// sum(rate(…)) → max 0.05`, `health latency: GET http://127.0.0.1:8080/health from the controller to each of 2
    /// hosts → status 200, max_ms 1000`.
    static func describe(_ metric: Metric, context: TemplateContext, hosts: Int) -> String {
        func text(_ template: Template) -> String { context.render(template) ?? template.source }
        switch metric.source {
        case .prometheus(let url, let query):
            return "\(metric.name): prometheus \(text(url)) \(text(query)) → \(metric.threshold)"
        case .http(let url, _, _, _):
            let each = hosts == 1 ? "the host" : "each of \(hosts) hosts"
            return "\(metric.name): GET \(text(url)) (as for the first) from the controller to \(each) → \(metric.threshold)"
        }
    }

    static func plan(_ step: Step, _ context: TemplateContext) -> PlannedStep {
        var action: String
        switch step.action {
        case .run(let command): action = "run: " + (context.renderCommand(command) ?? command.source)
        case .script(let path, let arguments):
            action = "script: " + (context.render(path) ?? path.source)
            if let arguments { action += " " + (context.renderCommand(arguments) ?? arguments.source) }
        case .upload(let source, let destination, let mode):
            action = "upload: \(context.render(source) ?? source.source) → \(context.render(destination) ?? destination.source)"
            if let mode { action += " (mode \(String(mode, radix: 8)))" }
        case .check(let check): action = "check: " + (CheckCommand.describe(check, context: context))
        case .wait(.duration(let duration)): action = "wait: \(DurationText.format(duration))"
        case .wait(.until(let check)): action = "wait until: " + CheckCommand.describe(check, context: context)
        }
        var options: [String] = []
        if step.become { options.append("become \(step.becomeUser ?? "root")") }
        if step.timeout != Step.defaultTimeout { options.append("timeout \(DurationText.format(step.timeout))") }
        if step.retries > 0 { options.append("retries \(step.retries) every \(DurationText.format(step.delay))") }
        if let condition = step.when { options.append("when \(condition)") }
        if step.runOnce { options.append("run_once") }
        if step.ignoreErrors { options.append("ignore_errors") }
        if step.critical { options.append("critical") }
        if step.idempotent { options.append("idempotent") }
        return PlannedStep(
            name: step.name, action: action, delegateTo: step.delegateTo.map { context.render($0) ?? $0.source },
            options: options)
    }
}

extension CheckCommand {
    /// The check in words with its templates resolved: `http http://127.0.0.1:8080/health → 200`.
    public static func describe(_ check: Check, context: TemplateContext) -> String {
        func text(_ template: Template) -> String { context.render(template) ?? template.source }
        switch check {
        case .command(let command): return "command \(context.renderCommand(command) ?? command.source)"
        case .http(let url, let status, let body, let maxMs):
            return "http \(text(url)) → \(status)" + (body.map { " containing '\($0)'" } ?? "")
                + (maxMs.map { " within \($0) ms" } ?? "")
        case .tcp(let host, let port): return "tcp \(text(host)):\(port)"
        case .diskFree, .memFree, .service: return check.summary
        }
    }
}
