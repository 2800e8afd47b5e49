public import DroverEngine
public import DroverModel

/// A stage's `pause:` (SPEC section 10): after each batch (its `after_batch` included, and after the failure rules
/// had their say), the run waits for a person's go-ahead before it goes on, a canary look. `when` chooses the
/// batches (`batch.index == 1`: after the first only). No answer within `timeout` (else the stage's
/// `pause_timeout`) takes `on_timeout`: rollback, or continue.
public struct PauseStepGate: BatchGate {
    public var playbook: Playbook
    public var inventory: Inventory
    public var runID: String

    public init(playbook: Playbook, inventory: Inventory, runID: String) {
        self.playbook = playbook
        self.inventory = inventory
        self.runID = runID
    }

    public func afterBatch(_ batch: BatchOutcome) async -> Decision? {
        guard playbook.stages.indices.contains(batch.stage), let pause = playbook.stages[batch.stage].pause,
            let first = batch.hosts.first.flatMap({ inventory.host(named: $0) })
        else { return nil }
        // Asked again after a retry of the same batch: one go-ahead per batch is enough.
        if batch.decisions.contains(where: {
            $0.rule == .pauseStep && $0.stage == batch.stage && $0.batch == batch.batch
        }) {
            return nil
        }
        let hosts = batch.hosts.compactMap { inventory.host(named: $0) }
        if let condition = pause.when {
            let context = AnalysisGate.context(
                runID: runID, playbook: playbook, stageName: batch.stageName, batch: batch.batch, hosts: hosts,
                host: first)
            guard context.holds(condition) else { return nil }
        }
        let timeout = pause.timeout ?? playbook.stages[batch.stage].pauseTimeout
        return Decision(
            action: .pause, rule: .pauseStep, stage: batch.stage, batch: batch.batch,
            reason: "batch \(batch.batch + 1) done: \(pause.prompt) (no answer within \(DurationText.format(timeout)): "
                + "\(pause.onTimeout.rawValue)); answer with: drover decide \(runID) continue|rollback --reason TEXT",
            timeout: timeout, onTimeout: pause.onTimeout == .continue ? .continue : nil)
    }
}
