public import DroverEngine
public import DroverModel

/// Before the first batch, every Prometheus query of the playbook is sent once (rendered as for its stage's first
/// batch): a query the server rejects (bad PromQL) refuses the run before any host is touched, quoting
/// Prometheus's error. An unreachable server or an unusable answer is not a refusal here: the gate judges it as
/// inconclusive when the batch is measured.
public enum AnalysisPreflight {
    /// One sentence per rejected query, in playbook order; empty when every query was accepted.
    public static func problems(
        _ plan: RunPlan, playbook: Playbook, inventory: Inventory, runID: String,
        source: PrometheusSource = PrometheusSource()
    ) async -> [String] {
        var problems: [String] = []
        for stage in plan.stages {
            guard let analysis = stage.stage.analysis, let batch = stage.batches.first else { continue }
            let hosts = batch.hosts.compactMap { inventory.host(named: $0) }
            guard let first = hosts.first else { continue }
            let context = AnalysisGate.context(
                runID: runID, playbook: playbook, stageName: stage.name, batch: 0, hosts: hosts, host: first)
            for metric in analysis.metrics {
                guard case .prometheus(let url, let query) = metric.source, let server = context.render(url),
                    let text = context.render(query)
                else { continue }
                if case .rejected(let error) = await source.query(text, at: server) {
                    problems.append(
                        "stage \(stage.index + 1) '\(stage.name)', metric '\(metric.name)': Prometheus at \(server) "
                            + "rejected the query: \(error)")
                }
            }
        }
        return problems
    }
}
