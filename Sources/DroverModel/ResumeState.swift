/// What an interrupted run already did, handed to the engine by `drover resume` so that nothing runs twice.
///
/// The engine replays the run from its start with the same run id, targets and batches. A step whose key is in
/// `completed` is not run again: its recorded outcome is used as if it had just happened (no events are emitted
/// for it, the journal has them already), so batch verdicts, failed hosts and rollbacks come out exactly as they
/// did. Every other step runs normally. Deciding what counts as completed — in particular what to do with a step
/// that was started but never finished — is the caller's business (see `DroverJournal.ResumePlan`); the engine
/// knows nothing about journals.
public struct ResumeState: Sendable, Hashable {
    /// Steps that finished in the interrupted run, with how they ended.
    public var completed: [ResumeKey: StepOutcome]

    public init(completed: [ResumeKey: StepOutcome] = [:]) {
        self.completed = completed
    }

    /// The recorded outcome of `ref`, when it finished before the interruption.
    public func outcome(for ref: StepRef) -> StepOutcome? {
        completed[ResumeKey(ref)]
    }
}

/// Which step on which host, independent of batch numbering: a host is in one batch of a stage, and `before_batch`
/// / `after_batch` steps are keyed by the batch's first host, so stage, phase, step index and host name identify a
/// step's execution within a run.
public struct ResumeKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var stage: Int
    public var phase: StepRef.Phase
    public var step: Int
    public var host: String

    public init(stage: Int, phase: StepRef.Phase, step: Int, host: String) {
        self.stage = stage
        self.phase = phase
        self.step = step
        self.host = host
    }

    public init(_ ref: StepRef) {
        self.init(stage: ref.stage, phase: ref.phase, step: ref.step, host: ref.host)
    }

    /// `stage 2 steps#3 on host005`, 1-based as people count.
    public var description: String { "stage \(stage + 1) \(phase.rawValue)#\(step + 1) on \(host)" }
}
