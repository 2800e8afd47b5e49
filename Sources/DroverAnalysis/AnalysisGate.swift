public import DroverEngine
public import DroverModel

/// The `afterSteps` gate of a stage's `analysis:` (SPEC section 10): after a batch's steps and before its
/// `after_batch` puts it back into service, measures every metric at once, then every `interval` until `duration`
/// (after `initial_delay`); each measurement is an event; a metric failing `failure_limit` times in a row halts the
/// stage (`on_halt: pause` pauses it for a person instead), and a batch whose metrics held goes on.
///
/// A batch none of whose hosts succeeded is not measured: the failure rules already judge it. `http` metrics probe the
/// batch's hosts that succeeded; Prometheus queries see them all through `{{ batch.regex }}`.
public struct AnalysisGate: BatchGate {
    public var playbook: Playbook
    public var inventory: Inventory
    public var runID: String
    public var prometheus: any MetricSource
    public var http: any MetricSource
    /// The engine's injected sleep (soak timing); throws once the run stops.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Where each measurement goes (the run's event stream: live view, JSON, journal).
    public var record: @Sendable (RunEvent) async -> Void
    /// `--check`: every metric is measured once (no delay, no soak) and the batch goes on whatever it shows; the
    /// decision says what the analysis would have done.
    public var checkOnly: Bool
    /// At most this many `http` probes at once.
    public var probeLimit = 64
    /// A resumed run's pause that was still open when its controller died: asked again as it was, not measured
    /// again (what the gate saw then is what the person is asked about).
    public var resumedPause: Decision?

    public init(
        playbook: Playbook, inventory: Inventory, runID: String, prometheus: any MetricSource = PrometheusSource(),
        http: any MetricSource = HTTPProbe(), sleep: @escaping @Sendable (Duration) async throws -> Void,
        record: @escaping @Sendable (RunEvent) async -> Void, checkOnly: Bool = false
    ) {
        self.checkOnly = checkOnly
        self.playbook = playbook
        self.inventory = inventory
        self.runID = runID
        self.prometheus = prometheus
        self.http = http
        self.sleep = sleep
        self.record = record
    }

    public func afterSteps(_ batch: BatchOutcome) async -> Decision? {
        guard playbook.stages.indices.contains(batch.stage), let analysis = playbook.stages[batch.stage].analysis,
            !batch.succeeded.isEmpty
        else { return nil }
        let stage = playbook.stages[batch.stage]
        if let pause = resumedPause, pause.rule == .analysis, pause.stage == batch.stage, pause.batch == batch.batch,
            !batch.decisions.contains(pause)
        {
            return pause
        }
        let hosts = batch.hosts.compactMap { inventory.host(named: $0) }
        let probed = batch.succeeded.compactMap { inventory.host(named: $0) }
        guard let first = hosts.first else { return nil }
        var evaluator = AnalysisEvaluator(analysis: analysis)
        if checkOnly {
            var once = analysis
            once.failureLimit = 1
            evaluator = AnalysisEvaluator(analysis: once)
            var outcome: AnalysisEvaluator.Outcome?
            for (metric, measurement) in await measure(
                analysis.metrics, round: 1, batch: batch, hosts: hosts, probed: probed, first: first)
            {
                await record(.measurement(measurement))
                outcome = Self.graver(outcome, evaluator.add(measurement, of: metric))
            }
            let verdict: String
            switch outcome {
            case nil: verdict = "every metric within its bounds"
            case .halt(let sentence), .pause(let sentence): verdict = "failing now: \(sentence)"
            }
            return Decision(
                action: .continue, rule: .analysis, stage: batch.stage, batch: batch.batch,
                reason: "batch \(batch.batch + 1): check mode, every metric measured once; \(verdict)")
        }
        do {
            if analysis.initialDelay > .zero { try await sleep(analysis.initialDelay) }
            for round in 1...analysis.measurementCount {
                if round > 1 { try await sleep(analysis.interval) }
                let taken = await measure(
                    analysis.metrics, round: round, batch: batch, hosts: hosts, probed: probed, first: first)
                // The whole round is recorded and counted before the verdict: a halt shows every host's value.
                var outcome: AnalysisEvaluator.Outcome?
                for (metric, measurement) in taken {
                    await record(.measurement(measurement))
                    outcome = Self.graver(outcome, evaluator.add(measurement, of: metric))
                }
                switch outcome {
                case nil: continue
                case .halt(let sentence): return halt(sentence, stage: stage, batch: batch)
                case .pause(let sentence):
                    return Decision(
                        action: .pause, rule: .analysis, stage: batch.stage, batch: batch.batch,
                        reason: "batch \(batch.batch + 1): \(sentence); \(Self.answer(runID))",
                        timeout: stage.pauseTimeout)
                }
            }
        } catch {
            return nil  // stopped: the engine ends the run its own way
        }
        return Decision(
            action: .continue, rule: .analysis, stage: batch.stage, batch: batch.batch,
            reason: "batch \(batch.batch + 1): \(evaluator.passed())")
    }

    /// The halt, or with `on_halt: pause` the pause that waits for a person first.
    private func halt(_ sentence: String, stage: Stage, batch: BatchOutcome) -> Decision {
        switch stage.onHalt {
        case .rollback:
            return Decision(
                action: .halt, rule: .analysis, stage: batch.stage, batch: batch.batch,
                reason: "batch \(batch.batch + 1): \(sentence)")
        case .pause:
            return Decision(
                action: .pause, rule: .analysis, stage: batch.stage, batch: batch.batch,
                reason: "batch \(batch.batch + 1): \(sentence); \(Self.answer(runID))", timeout: stage.pauseTimeout)
        }
    }

    /// The outcome that decides when one round gives two: the first halt, else the first pause.
    static func graver(
        _ first: AnalysisEvaluator.Outcome?, _ second: AnalysisEvaluator.Outcome?
    ) -> AnalysisEvaluator.Outcome? {
        if case .halt = first { return first }
        if case .halt = second { return second }
        return first ?? second
    }

    /// How to answer a pause, for its sentence.
    static func answer(_ runID: String) -> String {
        "answer with: drover decide \(runID) rollback|retry|continue --reason TEXT"
    }

    /// One round: every metric, each `http` metric on every probed host, all at once; in metric order.
    func measure(
        _ metrics: [Metric], round: Int, batch: BatchOutcome, hosts: [Host], probed: [Host], first: Host
    ) async -> [(Metric, Measurement)] {
        var jobs: [(index: Int, metric: Metric, host: Host?, probe: MetricProbe?)] = []
        for metric in metrics {
            switch metric.source {
            case .prometheus(let url, let query):
                let context = Self.context(
                    runID: runID, playbook: playbook, stageName: batch.stageName, batch: batch.batch, hosts: hosts,
                    host: first)
                let probe = context.render(url).flatMap { server in
                    context.render(query).map { MetricProbe.prometheus(server: server, query: $0) }
                }
                jobs.append((jobs.count, metric, nil, probe))
            case .http(let url, _, let maxMs, let body):
                for host in probed {
                    let context = Self.context(
                        runID: runID, playbook: playbook, stageName: batch.stageName, batch: batch.batch, hosts: hosts,
                        host: host)
                    let timeout: Duration = maxMs.map { .milliseconds(Swift.max(2 * $0, 1000)) } ?? .seconds(10)
                    let probe = context.render(url).map {
                        MetricProbe.http(url: $0, timeout: timeout, bodyContains: body)
                    }
                    jobs.append((jobs.count, metric, host, probe))
                }
            }
        }
        var observed = [Observation?](repeating: nil, count: jobs.count)
        for chunk in stride(from: 0, to: jobs.count, by: probeLimit) {
            await withTaskGroup(of: (Int, Observation).self) { group in
                for job in jobs[chunk..<Swift.min(chunk + probeLimit, jobs.count)] {
                    group.addTask {
                        guard let probe = job.probe else {
                            return (job.index, .inconclusive("a template did not render"))
                        }
                        if case .prometheus = probe { return (job.index, await prometheus.observe(probe)) }
                        return (job.index, await http.observe(probe))
                    }
                }
                for await (index, observation) in group { observed[index] = observation }
            }
        }
        return jobs.map { job in
            let observation = observed[job.index] ?? .inconclusive("not measured")
            let (verdict, value, detail) = AnalysisEvaluator.judge(job.metric, observation)
            var unit: String?
            if case .http = job.metric.source { unit = "ms" }
            let measurement = Measurement(
                stage: batch.stage, batch: batch.batch, metric: job.metric.name, host: job.host?.name, round: round,
                value: value, unit: unit, threshold: job.metric.threshold, verdict: verdict, detail: detail)
            return (job.metric, measurement)
        }
    }

    /// The templates' values for a metric of this batch: the step builtins as for `host`, and `batch.regex`.
    public static func context(
        runID: String, playbook: Playbook, stageName: String, batch: Int, hosts: [Host], host: Host
    ) -> TemplateContext {
        var context = TemplateContext(
            runID: runID, host: host, stageName: stageName, batchIndex: batch, batchHosts: hosts.map(\.name),
            playbookVars: playbook.vars)
        context.builtins["batch.regex"] = .string(TemplateContext.batchRegex(hosts))
        return context
    }
}
