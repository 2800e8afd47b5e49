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
    /// For each `before_batch`/`after_batch` step (keyed with an empty host), the hosts it already ran for without
    /// failing. A resume runs such a step again only for the batch's hosts it has not covered: a host lost or
    /// interrupted before its batch's `after_batch` is put back in service when the resume finishes it, and none
    /// twice. Steps recorded without their hosts (older journals) are not here: they replay by their key alone.
    public var covered: [ResumeKey: Set<String>]
    /// How long each batch the interrupted attempts finished took (`batch_finished`), in order: window fit judges the
    /// resume's next batch by them. A replayed batch takes no time, so without them the first batch that does work
    /// would be judged by nothing, or by the replays' few milliseconds.
    public var measured: [Duration]

    public init(
        completed: [ResumeKey: StepOutcome] = [:], covered: [ResumeKey: Set<String>] = [:], measured: [Duration] = []
    ) {
        self.completed = completed
        self.covered = covered
        self.measured = measured
    }

    /// The recorded outcome of `ref`, when it finished before the interruption.
    public func outcome(for ref: StepRef) -> StepOutcome? {
        completed[ResumeKey(ref)]
    }

    /// The hosts `before_batch`/`after_batch` step `step` of `stage` already ran for; nil when not known.
    public func covered(stage: Int, phase: StepRef.Phase, step: Int) -> Set<String>? {
        covered[ResumeKey(stage: stage, phase: phase, step: step, host: "")]
    }
}

/// Which step on which host, independent of batch numbering: a host is in one batch of a stage, and `before_batch`
/// / `after_batch` steps are keyed by the first host they ran for (and `ResumeState.covered` says for whom), so
/// stage, phase, step index and host name identify a step's execution within a run.
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
