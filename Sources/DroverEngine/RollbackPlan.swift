public import DroverModel

/// Which hosts roll back after a halt, and in what order (SPEC section 4). Pure: a function of the ledger and the
/// halt; the executor only performs the groups, in order, each group's hosts concurrently.
///
/// - Stages in reverse order; within a stage, its batches in reverse order; each group is the hosts the stage
///   changed in that batch.
/// - A host whose change by that stage is already settled (rolled back after its own failure, or failed before
///   changing anything) is skipped for that stage only: earlier stages still undo their own changes.
/// - Hosts left alone (failed and left as they are, or a rollback of theirs failed) and hosts whose lease was lost
///   are never touched.
/// - A stage without rollback steps keeps its changes (a backup, a check, an idempotent setup): it is named in
///   `kept`. The halting stage is the exception: its half-done change cannot be undone, so its hosts form a group
///   with `undoable == false` and the run is FAILED.
public struct RollbackPlan: Sendable, Hashable {
    /// Hosts of one batch of one stage, rolled back together.
    public struct Group: Sendable, Hashable {
        public var stage: Int
        public var batch: Int
        public var hosts: [String]
        /// False when the stage defines no rollback steps (only for the halting stage): nothing can undo the change.
        public var undoable: Bool

        public init(stage: Int, batch: Int, hosts: [String], undoable: Bool = true) {
            self.stage = stage
            self.batch = batch
            self.hosts = hosts
            self.undoable = undoable
        }
    }

    /// The groups, in the order they run.
    public var groups: [Group]
    /// Names of the stages whose changes the halt keeps (no rollback steps), in stage order, each once.
    public var kept: [String]

    public init(groups: [Group], kept: [String]) {
        self.groups = groups
        self.kept = kept
    }

    /// The plan after `halt`, from what `ledger` recorded.
    public init(ledger: RolloutLedger, halt: Decision) {
        let untouchable = ledger.leftAlone.union(ledger.lost.map(\.host))
        var groups: [Group] = []
        var kept: [String] = []
        for record in ledger.stages.reversed() {
            let settled = ledger.settled(in: record.index)
            for (batchIndex, batch) in record.batches.enumerated().reversed() {
                let hosts = batch.changed.filter { !settled.contains($0) && !untouchable.contains($0) }
                guard !hosts.isEmpty else { continue }
                if record.hasRollbackSteps {
                    groups.append(Group(stage: record.index, batch: batchIndex, hosts: hosts))
                } else if record.index == halt.stage {
                    groups.append(Group(stage: record.index, batch: batchIndex, hosts: hosts, undoable: false))
                } else if !kept.contains(record.name) {
                    kept.insert(record.name, at: 0)
                }
            }
        }
        self.init(groups: groups, kept: kept)
    }
}
