public import DroverModel

/// The rules that decide, after each batch and before the next, whether a stage goes on or the run halts
/// (SPEC section 4). Pure functions of numbers: tested without hosts, sockets or clocks.
public enum DecisionRules {
    /// What a stage allows, taken from the playbook.
    public struct Limits: Sendable, Hashable {
        public var maxFailPercentage: Double?
        public var maxFailures: Int?
        public var minHealthy: Int?

        public init(maxFailPercentage: Double? = nil, maxFailures: Int? = nil, minHealthy: Int? = nil) {
            self.maxFailPercentage = maxFailPercentage
            self.maxFailures = maxFailures
            self.minHealthy = minHealthy
        }

        public init(_ stage: Stage) {
            self.init(
                maxFailPercentage: stage.maxFailPercentage, maxFailures: stage.maxFailures,
                minHealthy: stage.minHealthy)
        }
    }

    /// Whether a batch may be taken out of service: `min_healthy` counts the stage's hosts that are neither failed
    /// nor in this batch. Nil when the batch may start.
    /// - Parameters:
    ///   - stageHosts: every host of the stage.
    ///   - failed: the stage's hosts that failed so far (they are not in service).
    public static func beforeBatch(
        stage: Int, batch: Int, batchSize: Int, stageHosts: Int, failed: Int, limits: Limits
    ) -> Decision? {
        guard let minimum = limits.minHealthy else { return nil }
        let remaining = stageHosts - failed - batchSize
        guard remaining < minimum else { return nil }
        return Decision(
            action: .halt, rule: .minHealthy, stage: stage, batch: batch,
            reason:
                "batch \(batch + 1): taking \(batchSize) \(hosts(batchSize)) out would leave \(remaining) healthy "
                + "of \(stageHosts) (\(failed) failed) < min_healthy \(minimum)")
    }

    /// The verdict after a batch finished.
    /// - Parameters:
    ///   - batchSize: the hosts the batch started with.
    ///   - batchFailed: how many of them failed.
    ///   - stageFailed: failed hosts of the stage so far, this batch included.
    ///   - critical: the critical step that failed, with its host, if one did.
    public static func afterBatch(
        stage: Int, batch: Int, batchSize: Int, batchFailed: Int, stageFailed: Int,
        critical: (step: String, host: String)?, limits: Limits
    ) -> Decision {
        let label = "batch \(batch + 1)"
        if let critical {
            return Decision(
                action: .halt, rule: .critical, stage: stage, batch: batch,
                reason: "\(label): critical step '\(critical.step)' failed on \(critical.host)")
        }
        let percent = batchSize == 0 ? 0 : Double(batchFailed) * 100 / Double(batchSize)
        let share = "\(batchFailed) of \(batchSize) \(hosts(batchSize)) failed = \(format(percent))%"
        if batchSize > 0, batchFailed == batchSize {
            return Decision(
                action: .halt, rule: .wholeBatchFailed, stage: stage, batch: batch,
                reason: "\(label): \(share): a whole batch failing always halts the stage")
        }
        if let maximum = limits.maxFailPercentage, percent > maximum {
            return Decision(
                action: .halt, rule: .maxFailPercentage, stage: stage, batch: batch,
                reason: "\(label): \(share) > max_fail_percentage \(format(maximum))%")
        }
        if let maximum = limits.maxFailures, stageFailed > maximum {
            return Decision(
                action: .halt, rule: .maxFailures, stage: stage, batch: batch,
                reason: "\(label): \(stageFailed) failed \(hosts(stageFailed)) in the stage > max_failures \(maximum)")
        }
        var reason = "\(label): \(share)"
        if batchFailed > 0 {
            var within: [String] = []
            if let maximum = limits.maxFailPercentage { within.append("max_fail_percentage \(format(maximum))%") }
            if let maximum = limits.maxFailures { within.append("max_failures \(maximum) (\(stageFailed) so far)") }
            if !within.isEmpty { reason += ", within " + within.joined(separator: " and ") }
        }
        return Decision(action: .continue, rule: .passed, stage: stage, batch: batch, reason: reason)
    }

    /// The overrun verdict when the run has taken longer than `estimate × factor`; nil while within it or with no
    /// estimate. `action` (the policy's `on_overrun`) picks the decision: `halt_and_rollback` → `.halt`, `halt` →
    /// `.stop` (no rollback; the run ends PARTIAL), `warn` → `.continue` (recorded and shown; the run goes on).
    /// `elapsed` leaves out `waitedForOperator`, the time pauses waited for an answer; the reason says so. The
    /// estimate is raised to `analysisSoak` when shorter (`BatchTime.judgedEstimate`), and the reason says that too.
    public static func overrun(
        stage: Int, batch: Int?, elapsed: Duration, estimate written: Duration?, factor: Double,
        action: OverrunAction = .haltAndRollback, waitedForOperator: Duration = .zero, analysisSoak: Duration = .zero
    ) -> Decision? {
        guard let written, written > .zero, let estimate = BatchTime.judgedEstimate(written, analysisSoak: analysisSoak)
        else { return nil }
        let limit = estimate * factor
        guard elapsed > limit else { return nil }
        let verdict: Decision.Action = action.rollsBack ? .halt : action.halts ? .stop : .continue
        return Decision(
            action: verdict, rule: .overrun, stage: stage, batch: batch,
            reason:
                "the run has taken \(DurationText.format(elapsed))"
                + (waitedForOperator > .zero
                    ? " (not counting \(DurationText.format(waitedForOperator)) waiting for an operator's answer)" : "")
                + ", more than its estimate "
                + "\(BatchTime.describe(written, analysisSoak: analysisSoak)) × \(format(factor)) = "
                + DurationText.format(limit)
                + " (on_overrun: \(action.name))")
    }

    /// The run's status from how it ended.
    /// - Parameters:
    ///   - halted: a decision halted the run (and it was rolled back).
    ///   - stopped: a decision stopped the run without rollback (window closing, `on_overrun: halt`): PARTIAL
    ///     unless a rollback failed.
    ///   - failedHosts: hosts that failed (rolled back or not).
    ///   - rollbackFailures: hosts whose rollback failed.
    ///   - unrolledChanges: hosts changed by a stage that defines no rollback, when the run halted.
    ///   - leasesLost: hosts whose lease the run lost. A run that otherwise finished is INTERRUPTED, so that
    ///     `drover resume` finishes them once their leases are free; a halt, a stop or a failed rollback keeps its
    ///     own status.
    public static func finalStatus(
        halted: Bool, stopped: Bool = false, interrupted: Bool, failedHosts: Int, rollbackFailures: Int,
        unrolledChanges: Int, leasesLost: Int = 0
    ) -> RunStatus {
        if interrupted { return .interrupted }
        if rollbackFailures > 0 { return .failed }
        if halted { return unrolledChanges > 0 ? .failed : .rolledBack }
        if stopped { return .partial }
        if leasesLost > 0 { return .interrupted }
        return failedHosts > 0 ? .partial : .successful
    }

    private static func hosts(_ count: Int) -> String { count == 1 ? "host" : "hosts" }

    static func format(_ value: Double) -> String {
        if value == value.rounded() { return String(Int(value)) }
        let tenths = (value * 10).rounded() / 10
        return String(tenths)
    }
}
