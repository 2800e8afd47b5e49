public import DroverModel

/// One check the engine makes around every batch, answering with a `Decision` or nothing.
///
/// The engine asks its configured gates (`RolloutEngine.Configuration.gates`) in list order at three points of a
/// batch:
///
/// 1. `beforeBatch`: before the batch starts (nothing of it has run). Built in: `MinHealthyGate`, `OverrunGate`,
///    `WindowFitGate`.
/// 2. `afterSteps`: after the hosts' steps, *before* the batch's `after_batch` steps, so a batch judged bad is never
///    put back into service. Metric analysis (SPEC section 10) plugs in here.
/// 3. `afterBatch`: after the `after_batch` steps and `batch_finished`. Built in: `FailureLimitsGate` (the
///    failure rules of SPEC section 4).
///
/// At each point every gate is asked in turn. Nil means no opinion. A decision is recorded and shown, then:
/// `.continue` lets the next gate speak; `.halt` ends the run's work and rolls back; `.stop` ends it without
/// rollback (PARTIAL); `.pause` waits for an operator's answer (`OperatorDecisions`) — rollback takes the halt path,
/// continue lets the next gate speak, retry runs the batch's failed hosts again and asks the gates again. Any
/// other action (a newer Drover's) is taken as a halt. The first decision that is not `.continue` ends the round:
/// later gates are not asked.
///
/// A gate is a value the engine shares between its tasks; it keeps no state of its own between calls (what it
/// needs about the run is in its input: earlier decisions, measured batches). A gate may take its time (a soak of
/// several minutes is an `await` on the engine's injected clock), but it should return soon once its task is
/// cancelled. Every method has a default that answers nil, so a gate implements only the points it judges.
public protocol BatchGate: Sendable {
    /// Before the batch starts.
    func beforeBatch(_ batch: BatchGateInput) async -> Decision?
    /// After the batch's steps, before its `after_batch` steps.
    func afterSteps(_ batch: BatchOutcome) async -> Decision?
    /// After the batch, `after_batch` steps included.
    func afterBatch(_ batch: BatchOutcome) async -> Decision?
}

extension BatchGate {
    public func beforeBatch(_ batch: BatchGateInput) async -> Decision? { nil }
    public func afterSteps(_ batch: BatchOutcome) async -> Decision? { nil }
    public func afterBatch(_ batch: BatchOutcome) async -> Decision? { nil }
}
