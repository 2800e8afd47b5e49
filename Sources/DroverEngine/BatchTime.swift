public import DroverModel

/// How long a batch takes in the maintenance window, and how long the run has worked, for window fit and overrun.
/// Pure.
///
/// A batch's time is its work: the steps (retries included), the analysis soak after them (`initial_delay`, then a
/// measurement every `interval` for `duration`: the batch is out of service and the window runs while its metrics are
/// watched), and putting it back into service. Waiting for a person's answer to a pause is not: nobody can estimate
/// it, so the longest batch must not grow by it, and overrun (the run against its estimate) does not count it
/// either: a person who took twenty minutes to answer `continue` is not overruled by `on_overrun` at the next batch.
/// The wait still consumes the window: window fit judges the next batch against the wall clock, which went on.
public enum BatchTime {
    /// The part of `spent` judging a batch (its gates after the steps) that counts as the batch's time: all of it
    /// but `waitingForOperator`, the time a pause waited for an answer.
    public static func judging(_ spent: Duration, waitingForOperator: Duration) -> Duration {
        max(.zero, spent - waitingForOperator)
    }

    /// The run's time for overrun: `elapsed` since it started, less the time its pauses waited for an answer.
    public static func worked(elapsed: Duration, waitingForOperator: Duration) -> Duration {
        max(.zero, elapsed - waitingForOperator)
    }

    /// How long an analysis keeps a batch at least: the delay before its first measurement and the intervals
    /// between the later ones (zero without analysis).
    public static func soak(_ analysis: Analysis?) -> Duration {
        guard let analysis else { return .zero }
        return analysis.initialDelay + analysis.interval * (analysis.measurementCount - 1)
    }

    /// The first batch's expected length, before any batch was measured: the change's estimate spread over the
    /// planned batches, but never less than the first stage's soak (a batch cannot take less than the time its
    /// metrics are watched). Nil with neither an estimate nor a soak.
    public static func firstBatchEstimate(estimate: Duration?, batches: Int, firstSoak: Duration) -> Duration? {
        let spread = estimate.map { $0 / max(1, batches) }
        guard firstSoak > .zero else { return spread }
        return max(spread ?? .zero, firstSoak)
    }

    /// The least time a run's analyses keep its batches out: each stage's soak once for every batch `plan` cuts
    /// (zero without analysis).
    public static func analysisSoak(_ plan: RunPlan) -> Duration {
        plan.stages.reduce(.zero) { total, stage in total + soak(stage.stage.analysis) * stage.batches.count }
    }

    /// The estimate a run is judged by (overrun; a schedule's window fit): the change's, but never less than
    /// `analysisSoak`. An estimate that leaves out the time its metrics are watched would halt a run doing exactly
    /// what it planned; `plan` says when the estimate is raised. Nil without an estimate.
    public static func judgedEstimate(_ estimate: Duration?, analysisSoak: Duration) -> Duration? {
        estimate.map { max($0, analysisSoak) }
    }

    /// The judged estimate in words: `5m`, or `20m (the analysis soak; the change says 5m)` when it was raised.
    public static func describe(_ estimate: Duration, analysisSoak: Duration) -> String {
        guard analysisSoak > estimate else { return DurationText.format(estimate) }
        return "\(DurationText.format(analysisSoak)) (the analysis soak; the change says \(DurationText.format(estimate)))"
    }
}
