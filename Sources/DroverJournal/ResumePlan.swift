public import DroverModel

/// What `drover resume` does with an interrupted run, decided from its journal alone (pure: tested without hosts).
///
/// - A step with a `step_finished` event is completed: it is never run again (its outcome is replayed).
/// - A step with `step_started` and no `step_finished` was cut off: if the playbook marks it `idempotent: true` it
///   runs again; otherwise nobody knows whether it took effect, so its host needs a person and the resume stops
///   (unless the operator, having looked, says `--rerun-unfinished`).
/// - A step that *failed* after the operator asked the controller to stop (a `stop_requested` note, until the next
///   resume) may have failed because it was aborted: it counts as cut off, not as a failure to replay. Steps that
///   passed after the stop stay completed.
public struct ResumePlan: Sendable, Hashable {
    /// For the engine: the completed steps and their outcomes.
    public var state: ResumeState
    /// Cut-off steps that will run again (idempotent, or the operator said so).
    public var rerun: [StepRef]
    /// Cut-off steps that are not idempotent: their hosts need attention before the run may go on.
    public var needsAttention: [StepRef]

    /// - Parameters:
    ///   - entries: the run's journal entries in order.
    ///   - playbook: the (unchanged) playbook, to read each step's `idempotent`.
    ///   - rerunUnfinished: the operator checked the hosts and wants cut-off steps run again.
    public init(entries: [JournalEntry], playbook: Playbook, rerunUnfinished: Bool = false) {
        var completed: [ResumeKey: StepOutcome] = [:]
        var covered: [ResumeKey: Set<String>] = [:]
        var measured: [Duration] = []
        var pending: [ResumeKey: StepRef] = [:]
        var order: [ResumeKey] = []
        var stopping = false
        for entry in entries {
            let event: RunEvent
            switch entry {
            case .note(let note):
                if note.kind == .stopRequested { stopping = true }
                if note.kind == .resumed { stopping = false }
                continue
            case .event(let runEvent):
                event = runEvent
            }
            switch event {
            case .stepStarted(let ref):
                let key = ResumeKey(ref)
                if pending[key] == nil { order.append(key) }
                pending[key] = ref
                completed[key] = nil
            case .stepFinished(let ref, let outcome):
                let key = ResumeKey(ref)
                if stopping && outcome.status == .failed {
                    // Possibly aborted by the stop: as good as cut off.
                    if pending[key] == nil { order.append(key) }
                    pending[key] = ref
                    completed[key] = nil
                    continue
                }
                pending[key] = nil
                completed[key] = outcome
                if let hosts = ref.hosts, outcome.status != .failed {
                    covered[ResumeKey(stage: ref.stage, phase: ref.phase, step: ref.step, host: ""), default: []]
                        .formUnion(hosts)
                }
            case .batchFinished(_, _, _, _, let duration):
                measured.append(duration)
            default:
                break
            }
        }
        var rerun: [StepRef] = []
        var attention: [StepRef] = []
        for key in order {
            guard let ref = pending[key] else { continue }
            if rerunUnfinished || Self.isIdempotent(ref, in: playbook) {
                rerun.append(ref)
            } else {
                attention.append(ref)
            }
            pending[key] = nil
        }
        self.state = ResumeState(completed: completed, covered: covered, measured: measured)
        self.rerun = rerun
        self.needsAttention = attention
    }

    /// The same, from engine events alone (no notes).
    public init(events: [RunEvent], playbook: Playbook, rerunUnfinished: Bool = false) {
        self.init(entries: events.map { .event($0) }, playbook: playbook, rerunUnfinished: rerunUnfinished)
    }

    /// True when the playbook marks the step `idempotent: true` (an unknown step is not).
    public static func isIdempotent(_ ref: StepRef, in playbook: Playbook) -> Bool {
        guard playbook.stages.indices.contains(ref.stage) else { return false }
        let stage = playbook.stages[ref.stage]
        let steps: [Step]
        switch ref.phase {
        case .beforeBatch: steps = stage.beforeBatch
        case .steps: steps = stage.steps
        case .afterBatch: steps = stage.afterBatch
        case .rollback: steps = stage.rollback
        }
        return steps.indices.contains(ref.step) && steps[ref.step].idempotent
    }

    /// True when the run may go on without a person looking at a host first.
    public var canContinue: Bool { needsAttention.isEmpty }

    /// The hosts that need attention, each once, in the order their steps started.
    public var hostsNeedingAttention: [String] {
        var seen: Set<String> = []
        return needsAttention.map { $0.delegatedTo ?? $0.host }.filter { seen.insert($0).inserted }
    }
}
