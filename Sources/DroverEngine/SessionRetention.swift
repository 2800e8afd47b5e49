public import DroverModel

/// Which hosts' sessions a run can close as soon as their steps in a stage are done, instead of keeping them to the
/// run's end. Pure: a function of the playbook and of which stages target each host.
///
/// A session costs the controller about 55 KB (libssh2 keeps its packet buffers inside it): a 1,000-host run that
/// kept every session to its end held 55 MB for nothing when no later step could need them. A host's session is
/// closed after its steps in stage S when nothing the run may still do touches the host:
/// - no later stage targets it;
/// - no stage up to S has rollback steps (a halt later in the run would roll the host back);
/// - stage S has no `after_batch` steps (they run on the batch's hosts once the batch's steps are done);
/// - no step of the playbook is delegated (`delegate_to` may name any host, by a template).
/// Closing is never wrong, only slower when guessed wrong: a host needed again (a retry answered to a pause) logs in
/// again (`ConnectionPool.release`).
public struct SessionRetention: Sendable, Hashable {
    /// Each host's last stage (index), among the hosts some stage targets.
    private let lastStage: [String: Int]
    /// For each stage: whether its hosts' sessions may close after their steps there (the rules that do not depend
    /// on the host).
    private let closable: [Bool]

    /// - Parameters:
    ///   - stages: the playbook's stages.
    ///   - hosts: the names of the hosts each stage targets (same order as `stages`).
    public init(stages: [Stage], hosts: [[String]]) {
        var lastStage: [String: Int] = [:]
        for (index, names) in hosts.enumerated() {
            for name in names { lastStage[name] = index }
        }
        self.lastStage = lastStage
        let delegates = stages.contains { stage in
            (stage.beforeBatch + stage.steps + stage.afterBatch + stage.rollback).contains { $0.delegateTo != nil }
        }
        var rollbackSoFar = false
        closable = stages.map { stage in
            rollbackSoFar = rollbackSoFar || !stage.rollback.isEmpty
            return !delegates && !rollbackSoFar && stage.afterBatch.isEmpty
        }
    }

    /// Whether `host`'s session may be closed once its steps in stage `stage` are done.
    public func closesAfterSteps(of host: String, inStage stage: Int) -> Bool {
        stage < closable.count && closable[stage] && lastStage[host] == stage
    }
}
