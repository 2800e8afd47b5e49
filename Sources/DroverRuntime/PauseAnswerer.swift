public import DroverJournal
public import DroverModel

/// `drover decide RUN rollback|retry|continue --reason TEXT [--by NAME]`: answers a paused run from any shell with
/// the journal. The answer is an event in the run's chain; the paused controller reads it there (`JournalOperator`).
public struct PauseAnswerer: Sendable {
    public var journal: any Journal
    public var loader: RunLoader

    public init(journal: any Journal, loader: RunLoader = RunLoader()) {
        self.journal = journal
        self.loader = loader
    }

    /// Records `choice` for the pause `run` waits at.
    /// - Parameters:
    ///   - by: `--by`, the approver named on the command line; nil when not given.
    ///   - operator: who answers when `by` is nil (the login name).
    ///   - policyPath: `--policy`; nil for `policy.yml` beside the run's inventory.
    /// - Returns: the answer as journaled.
    /// - Throws: `RuntimeError`: 64 for a run the journal does not have; 4 for a run that is not paused, or a
    ///   `continue` in production without an approver the policy allows; 1 when the journal fails.
    public func answer(
        run id: String, choice: OperatorAnswer.Choice, by: String?, operator: String, reason: String,
        policyPath: String? = nil
    ) async throws -> OperatorAnswer {
        let (record, events) = try await read(id)
        guard record.status == nil, let pause = OpenPause.of(events) else {
            throw RuntimeError.refused(
                "REFUSED (exit 4): run \(id) is not paused (it is \(record.statusText)); decide answers a run "
                    + "waiting at a pause")
        }
        let who = by ?? `operator`
        if let approvers = try approvers(for: choice, record: record, policyPath: policyPath) {
            guard Self.mayOverride(by: by, approvers: approvers) else {
                let allowed = approvers.isEmpty ? "the policy names none" : "allowed: " + approvers.joined(separator: ", ")
                throw RuntimeError.refused(
                    "REFUSED (exit 4): continue past a halt in production is an override: --by must name one of the "
                        + "policy's override_approvers for production (\(allowed))")
            }
        }
        let answer = OperatorAnswer(
            stage: pause.decision.stage, batch: pause.decision.batch, choice: choice, by: who, reason: reason)
        do {
            try await journal.append(.event(.operatorAnswered(answer)), run: id)
        } catch let error as JournalError {
            throw RuntimeError.failed("\(error)")
        }
        return answer
    }

    /// The approvers one of whom `by` must name for `choice` on run `id` (a `continue` in production: the policy's
    /// `override_approvers` there, perhaps none); nil when whoever answers may give it. Asked before `answer` by a
    /// prompt that wants to ask for the name rather than be refused.
    /// - Throws: `RuntimeError` as `answer` does for an unknown run, a journal failure or an unreadable policy.
    public func approvers(
        for choice: OperatorAnswer.Choice, run id: String, policyPath: String? = nil
    ) async throws -> [String]? {
        try approvers(for: choice, record: try await read(id).0, policyPath: policyPath)
    }

    private func approvers(
        for choice: OperatorAnswer.Choice, record: RunRecord, policyPath: String?
    ) throws -> [String]? {
        guard choice == .continue, record.environment == "production" else { return nil }
        let (policy, _) = try loader.policy(explicit: policyPath, inventoryPath: record.inventoryPath)
        return policy?.environments["production"]?.overrideApprovers ?? []
    }

    /// Whether a `continue` past a halt in production may go ahead: only when `--by` names one of the policy's
    /// `override_approvers` (the login name alone never counts).
    public static func mayOverride(by: String?, approvers: [String]) -> Bool {
        guard let by else { return false }
        return approvers.contains(by)
    }

    private func read(_ id: String) async throws -> (RunRecord, [JournalEvent]) {
        do {
            guard let record = try await journal.run(id) else { throw JournalError.unknownRun(id) }
            return (record, try await journal.events(run: id))
        } catch let error as JournalError {
            throw RuntimeError(exitCode: error.code == .unknownRun ? 64 : 1, "\(error)")
        }
    }
}
