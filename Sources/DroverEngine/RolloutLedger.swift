public import DroverModel

/// A run's bookkeeping as a value: each host's state, what every stage changed batch by batch, which changes are
/// settled or must be left alone, failed and lost hosts, the decisions taken, and (in `RolloutLedger+Conclusion`)
/// the final status and its sentence.
///
/// The executor hands it facts in the order they happen — a stage begins, a batch begins, the batch's host results
/// (again for hosts a retry ran once more), a lost lease, a halt rollback's outcome on a host — and asks it
/// questions. It performs nothing and decides no verdict (the gates do), so it is tested without a transport, in
/// microseconds. Facts about a batch go to the batch under way: the last one begun.
public struct RolloutLedger: Sendable, Hashable {
    /// A stage that started: its hosts, and what it did batch by batch.
    public struct StageRecord: Sendable, Hashable {
        public var index: Int
        public var name: String
        /// The stage's hosts (targets still in the run), in inventory order.
        public var hosts: [String]
        /// False when the stage defines no rollback steps: a halt keeps its changes (or, if it is the halting
        /// stage, cannot undo them).
        public var hasRollbackSteps: Bool
        public var batches: [BatchRecord] = []
        /// `run_once`: the stage's other hosts, for which the first host's result was counted.
        public var shared: SharedResult?

        /// Hosts that failed in the stage, batch by batch, then those failed by a shared `run_once` result.
        public var failed: [String] {
            batches.flatMap { $0.results.filter(\.failed).map(\.host) } + (shared.map { $0.failed ? $0.hosts : [] } ?? [])
        }

        /// Hosts that succeeded in the stage, batch by batch, then those a shared `run_once` success counts for.
        public var succeeded: [String] {
            batches.flatMap { $0.results.filter(\.succeeded).map(\.host) } + (shared.map { $0.failed ? [] : $0.hosts } ?? [])
        }
    }

    /// One batch of a stage.
    public struct BatchRecord: Sendable, Hashable {
        /// The hosts the batch started with.
        public var hosts: [String]
        /// Each host's latest result, in the order first recorded (a retry replaces a host's result in place).
        public var results: [HostResult] = []
        /// The critical step that failed in the batch's latest pass, if one did.
        public var critical: CriticalStep?
        /// Each host's state before its first result in this batch, so a retried host's new result replaces the
        /// first exactly.
        fileprivate var before: [String: Prior] = [:]

        /// Hosts the stage changed in this batch, in batch order: the halt rollback's group for it.
        public var changed: [String] { results.filter(\.changed).map(\.host) }
    }

    /// `run_once`: the hosts the first host's result counts for, and whether it was a failure.
    public struct SharedResult: Sendable, Hashable {
        public var hosts: [String]
        public var failed: Bool
    }

    fileprivate struct Prior: Sendable, Hashable {
        var state: HostSummary.State
        var reason: String?
    }

    /// The run's targets, in inventory order.
    public let targets: [String]
    public private(set) var stages: [StageRecord] = []
    /// Every decision emitted, in order.
    public private(set) var decisions: [Decision] = []
    /// Hosts whose lease was lost, with why, in the order it happened.
    public var lost: [(host: String, reason: String)] { lostOrder.map { ($0, lostReasons[$0]!) } }
    private var lostOrder: [String] = []
    private var lostReasons: [String: String] = [:]
    /// Stages whose changes a halt kept because they define no rollback steps, in stage order.
    public private(set) var keptChanges: [String] = []
    /// Hosts changed by the halting stage when it defines no rollback steps: their change cannot be undone.
    public private(set) var unrolledChanges = 0
    private var states: [String: HostSummary]
    /// Per stage, hosts whose change by that stage the halt rollback settled (undone, or found undoable).
    private var haltSettled: [Int: Set<String>] = [:]
    /// Hosts whose halt rollback failed: later (earlier-stage) rollback groups leave them alone.
    private var haltLeftAlone: Set<String> = []

    /// A ledger for a run over `targets`: every host starts skipped (not reached).
    public init(targets: [String]) {
        self.targets = targets
        self.states = Dictionary(
            targets.map { ($0, HostSummary(name: $0, state: .skipped, steps: 0, reason: nil, duration: .zero)) },
            uniquingKeysWith: { first, _ in first })
    }

    // MARK: Facts

    /// A stage starts with `hosts` (its targets still in the run).
    public mutating func beginStage(_ index: Int, name: String, hosts: [String], hasRollbackSteps: Bool) {
        stages.append(StageRecord(index: index, name: name, hosts: hosts, hasRollbackSteps: hasRollbackSteps))
    }

    /// A batch of the current stage starts with `hosts`.
    public mutating func beginBatch(hosts: [String]) {
        precondition(!stages.isEmpty, "a batch begins inside a stage")
        stages[stages.count - 1].batches.append(BatchRecord(hosts: hosts))
    }

    /// Host results of the current batch, and the critical step that failed in this pass. A host that already has a
    /// result in the batch (a retry ran it again) gets the new one in place of the first: its state is judged from
    /// the new result, and its steps and time add up.
    public mutating func record(_ results: [HostResult], critical: CriticalStep? = nil) {
        precondition(!(stages.last?.batches.isEmpty ?? true), "results belong to a batch")
        let stage = stages.count - 1
        let batch = stages[stage].batches.count - 1
        stages[stage].batches[batch].critical = critical
        for var result in results {
            var summary = states[result.host] ?? HostSummary(name: result.host, state: .skipped, steps: 0, duration: .zero)
            // In place (no copy of the batch per host): a first result is appended, a retry's replaces the first.
            if let prior = stages[stage].batches[batch].before[result.host],
                let index = stages[stage].batches[batch].results.firstIndex(where: { $0.host == result.host })
            {
                let earlier = stages[stage].batches[batch].results[index]
                summary.state = prior.state
                summary.reason = prior.reason
                result.steps += earlier.steps
                result.duration += earlier.duration
                summary.steps -= earlier.steps
                summary.duration -= earlier.duration
                stages[stage].batches[batch].results[index] = result
            } else {
                stages[stage].batches[batch].before[result.host] = Prior(state: summary.state, reason: summary.reason)
                stages[stage].batches[batch].results.append(result)
            }
            states[result.host] = Self.absorb(result, into: summary)
            if case .leaseLost(let reason) = result.ending { noteLost(result.host, reason: reason) }
        }
    }

    /// A critical failure outside the hosts' steps (an `after_batch` step failed), unless one is already noted for
    /// the current batch.
    public mutating func noteCritical(_ critical: CriticalStep) {
        guard let stage = stages.indices.last, let batch = stages[stage].batches.indices.last else { return }
        if stages[stage].batches[batch].critical == nil { stages[stage].batches[batch].critical = critical }
    }

    /// The run lost its lease on `host` outside a host's own steps (`before_batch`, `after_batch`, rollback): it
    /// is out of the run, and its result in the current batch, if it has one, stops counting for the verdict.
    public mutating func loseLease(_ host: String, reason: String) {
        replaceEnding(of: host, with: .leaseLost(reason: reason))
        states[host]?.state = .leaseLost
        states[host]?.reason = reason
        noteLost(host, reason: reason)
    }

    /// The journal could not record a step announced for `host` outside its own steps (`after_batch`): it counts as
    /// interrupted, so a resume finishes it.
    public mutating func interrupt(_ host: String, reason: String) {
        replaceEnding(of: host, with: .interrupted(reason: reason))
        states[host]?.state = .interrupted
        states[host]?.reason = reason
    }

    /// `run_once` stage: the first host's result counts for `hosts` (the stage's others). Nothing is shared when
    /// the first host neither passed nor failed (stopped, or its lease was lost).
    public mutating func shareRunOnce(from first: String, with hosts: [String]) {
        guard let index = stages.indices.last,
            let result = stages[index].batches.first?.results.first(where: { $0.host == first })
        else { return }
        switch result.ending {
        case .failed:
            stages[index].shared = SharedResult(hosts: hosts, failed: true)
            for host in hosts {
                states[host]?.state = .failed
                states[host]?.reason = "run_once on \(first) failed"
            }
        case .passed:
            stages[index].shared = SharedResult(hosts: hosts, failed: false)
            for host in hosts where states[host]?.state == .skipped { states[host]?.state = .ok }
        case .interrupted, .notStarted, .leaseLost:
            break
        }
    }

    /// Closes the current stage.
    /// - Parameter runEnded: the run halted, stopped or was interrupted in this stage: its hosts that were not
    ///   reached say so.
    /// - Returns: the stage's succeeded and failed hosts, and the rest (skipped: not reached, stopped or lost).
    public mutating func closeStage(runEnded: Bool) -> (succeeded: [String], failed: [String], skipped: [String]) {
        guard let stage = stages.last else { return ([], [], []) }
        let succeeded = stage.succeeded
        let failed = stage.failed
        let done = Set(succeeded).union(failed)
        let skipped = stage.hosts.filter { !done.contains($0) }
        if runEnded {
            for host in skipped where states[host]?.state != .interrupted && states[host]?.state != .leaseLost {
                states[host]?.state = .skipped
                states[host]?.reason = "not reached: the run stopped before its batch in '\(stage.name)'"
            }
        }
        return (succeeded, failed, skipped)
    }

    /// A decision was taken (and emitted).
    public mutating func decide(_ decision: Decision) {
        decisions.append(decision)
    }

    /// The halt rollback of `stage` ran on `host`: nil when it passed, else why it failed.
    public mutating func rolledBack(_ host: String, stage: Int, failure: String?) {
        haltSettled[stage, default: []].insert(host)
        if let failure {
            haltLeftAlone.insert(host)
            states[host]?.state = .rollbackFailed
            states[host]?.reason = "rollback: \(failure)"
        } else {
            states[host]?.state = .rolledBack
        }
    }

    /// `host` was changed by the halting stage, which defines no rollback steps: its change cannot be undone.
    public mutating func couldNotUndo(_ host: String, stage: Int) {
        haltSettled[stage, default: []].insert(host)
        unrolledChanges += 1
        states[host]?.state = .failed
        if states[host]?.reason == nil {
            let name = stages.first { $0.index == stage }?.name ?? "stage \(stage + 1)"
            states[host]?.reason = "changed by '\(name)', which halted and has no rollback steps"
        }
    }

    /// A halt keeps the changes of these stages (they define no rollback steps).
    public mutating func keep(_ stageNames: [String]) {
        for name in stageNames where !keptChanges.contains(name) { keptChanges.append(name) }
    }

    // MARK: Questions

    /// Every host's summary, in target order.
    public var hosts: [HostSummary] { targets.compactMap { states[$0] } }

    public func state(of host: String) -> HostSummary? { states[host] }

    /// Hosts that failed in any stage (shared `run_once` failures included): they take no part in later stages.
    public var failedHosts: Set<String> { Set(stages.flatMap(\.failed)) }

    /// True when `host` takes no part in what follows: it failed, or its lease was lost.
    public func isOut(_ host: String) -> Bool { lostReasons[host] != nil || failedHosts.contains(host) }

    public func isLost(_ host: String) -> Bool { lostReasons[host] != nil }

    /// Hosts whose change by `stage` is already undone (rolled back after their own failure, or failed before
    /// changing anything, or settled by the halt rollback): the halt rollback skips them for that stage only.
    public func settled(in stage: Int) -> Set<String> {
        var hosts = haltSettled[stage] ?? []
        for record in stages where record.index == stage {
            for result in record.batches.flatMap(\.results) where result.failed {
                if result.rollback == .succeeded || (result.rollback == .notAttempted && !result.changed) {
                    hosts.insert(result.host)
                }
            }
        }
        return hosts
    }

    /// Hosts a halt must not touch: failed and left as they are (`on_host_failure: leave`, or no rollback steps),
    /// or a rollback of theirs failed — stacking older rollbacks on a half-undone host would make it worse.
    public var leftAlone: Set<String> {
        var hosts = haltLeftAlone
        for result in stages.flatMap({ $0.batches.flatMap(\.results) }) where result.failed {
            if result.rollback == .failed || (result.rollback == .notAttempted && result.changed) {
                hosts.insert(result.host)
            }
        }
        return hosts
    }

    /// The batch under way: its results and critical failure.
    public var currentBatch: BatchRecord? { stages.last?.batches.last }

    /// Hosts of the current stage that failed so far (the current batch included).
    public var stageFailedCount: Int { stages.last?.failed.count ?? 0 }

    // MARK: Helpers

    private static func absorb(_ result: HostResult, into summary: HostSummary) -> HostSummary {
        var summary = summary
        summary.steps += result.steps
        summary.duration += result.duration
        switch result.ending {
        case .failed(_, let reason):
            summary.reason = reason
            switch result.rollback {
            case .succeeded: summary.state = .rolledBack
            case .failed: summary.state = .rollbackFailed
            case .notAttempted: summary.state = .failed
            }
        case .interrupted(let reason):
            summary.state = .interrupted
            summary.reason = reason
        case .leaseLost(let reason):
            summary.state = .leaseLost
            summary.reason = reason
        case .passed:
            if summary.state == .skipped, result.steps > 0 { summary.state = .ok }
        case .notStarted(let reason):
            if let reason { summary.reason = reason }
        }
        return summary
    }

    private mutating func noteLost(_ host: String, reason: String) {
        guard lostReasons[host] == nil else { return }
        lostOrder.append(host)
        lostReasons[host] = reason
    }

    private mutating func replaceEnding(of host: String, with ending: HostResult.Ending) {
        guard let stage = stages.indices.last, let batch = stages[stage].batches.indices.last,
            let index = stages[stage].batches[batch].results.firstIndex(where: { $0.host == host })
        else { return }
        stages[stage].batches[batch].results[index].ending = ending
    }
}
