public import DroverModel

extension RolloutLedger {
    /// Why a run was interrupted.
    public enum Interruption: Sendable, Hashable {
        /// The operator asked the run to stop: in-flight steps finished.
        case stop
        /// The operator aborted in-flight steps.
        case abort
        /// The journal could not record a step's announcement, so the step did not start and nothing new did.
        case journal(reason: String)
    }

    /// The run's final status, and one sentence saying why.
    /// - Parameters:
    ///   - halt: the decision that halted the run (its rollback has been recorded here).
    ///   - stopped: the decision that stopped the run without rollback (window closing, `on_overrun: halt`).
    ///   - interruption: why the run was interrupted, when it was.
    ///   - runID: for the `drover resume RUN` the sentence may point at.
    public func conclusion(
        halt: Decision?, stopped: Decision?, interruption: Interruption?, runID: String
    ) -> (status: RunStatus, reason: String) {
        let rollbackFailed = hosts.filter { $0.state == .rollbackFailed }.map(\.name).sorted()
        let failed = failedHosts.count
        let status = DecisionRules.finalStatus(
            halted: halt != nil, stopped: stopped != nil, interrupted: interruption != nil, failedHosts: failed,
            rollbackFailures: rollbackFailed.count, unrolledChanges: unrolledChanges, leasesLost: lost.count)
        var reason: String
        switch status {
        case .successful:
            reason = "every targeted host completed"
        case .partial:
            if let stopped {
                let done = hosts.filter { $0.state != .skipped && $0.state != .leaseLost }.count
                reason = "stopped (\(stopped.reason)); \(done) of \(hosts.count) hosts done, none left half-way"
                if failed > 0 { reason += ", \(failed) failed" }
            } else {
                reason = "\(failed) \(failed == 1 ? "host" : "hosts") failed within the failure budget"
            }
        case .rolledBack:
            reason = "halted (\(halt?.reason ?? "")); every changed host was rolled back"
            if !keptChanges.isEmpty {
                reason += "; kept (no rollback steps): " + keptChanges.map { "'\($0)'" }.joined(separator: ", ")
            }
        case .failed:
            reason = "halted (\(halt?.reason ?? "a host's rollback failed"))"
            if !rollbackFailed.isEmpty { reason += "; rollback failed on " + rollbackFailed.joined(separator: ", ") }
            if unrolledChanges > 0 { reason += "; \(unrolledChanges) changed hosts have no rollback steps" }
        case .interrupted:
            switch interruption {
            case .journal(let why)?:
                reason =
                    "the journal could not record the next step (\(why)); nothing new started: drover resume \(runID) "
                    + "continues the run"
            case .abort?:
                reason = "aborted by the operator; in-flight steps were cut short"
            case .stop?:
                reason = "stopped by the operator; in-flight steps were allowed to finish"
            case nil:
                return (
                    status,
                    "the run lost its lease on \(lostText): nothing more was started there; drover resume \(runID) "
                        + "continues \(lost.count == 1 ? "it" : "them") once \(lost.count == 1 ? "its lease is" : "their leases are") free"
                )
            }
        case .refused:
            reason = "refused"
        }
        if !lost.isEmpty {
            reason += "; the run lost its lease on \(lostText): nothing more was started there"
        }
        return (status, reason)
    }

    /// `host002 (the lease was broken by drover unlock --force)`, hosts with the same reason grouped.
    private var lostText: String {
        var order: [String] = []
        var byReason: [String: [String]] = [:]
        for (host, reason) in lost {
            if byReason[reason] == nil { order.append(reason) }
            byReason[reason, default: []].append(host)
        }
        return order.map { "\(byReason[$0]!.joined(separator: ", ")) (\($0))" }.joined(separator: "; ")
    }

    /// The run's summary for the caller.
    public func summary(
        runID: String, status: RunStatus, reason: String, duration: Duration, stopped: Decision?
    ) -> RunSummary {
        RunSummary(
            runID: runID, status: status, reason: reason, hosts: hosts, decisions: decisions, duration: duration,
            stopped: stopped)
    }
}
