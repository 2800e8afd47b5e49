public import DroverModel
public import Foundation

/// Decides, before a run connects to anything, whether the policy lets it go ahead (SPEC section 5): the window
/// at the start instant, blackouts, the change type's approval, and approved emergencies. Pure.
///
/// Choices where the SPEC is silent:
/// - No policy file, or an environment the policy does not name (or an inventory naming none): allowed, with no
///   time restrictions, and the verdict says so.
/// - Approval (`approval: true`) needs both `change.id` and `change.approved_by` in the playbook.
/// - `--emergency` makes the run an `emergency` change whatever the playbook says. It is allowed only where the
///   environment's `emergency` change type has `override_blackouts` (otherwise REFUSED, even inside a window, so
///   the flag always means the same thing). Its approval is `--approved-by` with `--reason`; a change id is not
///   required, since emergency changes are usually raised after the fact. The override runs in blackouts and
///   outside windows, and has no window end to fit batches into.
public enum PolicyGate {
    /// `--emergency --reason TEXT --approved-by NAME`.
    public struct Emergency: Sendable, Hashable {
        public var reason: String
        public var approvedBy: String

        public init(reason: String, approvedBy: String) {
            self.reason = reason
            self.approvedBy = approvedBy
        }
    }

    /// The gate's answer.
    public struct Outcome: Sendable {
        public var check: PolicyCheck
        public var verdict: WindowVerdict
        /// When the run must have stopped starting batches; nil for no limit (unrestricted, or an emergency).
        public var closesAt: Date?
        /// What ends the window at `closesAt`.
        public var closing: OpenSpan.Closing?
        /// The policy's rules for the environment, when it names it.
        public var environmentPolicy: EnvironmentPolicy?
        /// True when the refusal is about time (a later instant may be allowed), not approval.
        public var refusedForTime: Bool

        public var allowed: Bool { check.allowed }

        /// The engine's window-fit gate for this verdict (nil when nothing closes): no batch starts that cannot
        /// finish before `closesAt`, judged from the batches measured so far.
        /// - Parameters:
        ///   - now: the wall clock the run is judged on.
        ///   - firstBatchEstimate: the expected length of the first batch (the change estimate per batch).
        ///   - extendedEnd: where a later end comes from while the run goes on (`drover extend`).
        public func batchGate(
            now: @escaping @Sendable () -> Date, firstBatchEstimate: Duration?,
            extendedEnd: (@Sendable () async -> Date?)? = nil
        ) -> WindowFitGate? {
            guard let closesAt else { return nil }
            return WindowFitGate(
                now: now, closesAt: closesAt, closing: closing, firstBatchEstimate: firstBatchEstimate,
                extendedEnd: extendedEnd)
        }
    }

    /// The verdict on the window alone: what `drover window` prints.
    /// - Parameters:
    ///   - policy: the policy file's contents; nil when there is none.
    ///   - environment: the inventory's `drover_environment` or `--env`.
    public static func verdict(policy: Policy?, environment: String?, at instant: Date) -> WindowVerdict {
        guard let policy else { return WindowVerdict(instant: instant, allowed: true, basis: .noPolicy) }
        guard let environment, let rules = policy.environments[environment] else {
            return WindowVerdict(instant: instant, allowed: true, basis: .environmentNotInPolicy)
        }
        return MaintenanceCalendar(policy: rules).verdict(at: instant)
    }

    /// Whether a run of `change` may start at `instant`.
    public static func decide(
        policy: Policy?, environment: String?, change: ChangeInfo, emergency: Emergency?, at instant: Date
    ) -> Outcome {
        let verdict = verdict(policy: policy, environment: environment, at: instant)
        let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
        let place = environment.map { " in \($0)" } ?? ""
        func outcome(_ allowed: Bool, rule: String, sentence: String, emergency: EmergencyOverride? = nil, time: Bool = false)
            -> Outcome
        {
            let limited = allowed && emergency == nil && !verdict.unrestricted
            return Outcome(
                check: PolicyCheck(
                    environment: environment, allowed: allowed, rule: rule, sentence: sentence,
                    closesAt: limited ? verdict.closesAt.map(seconds) : nil,
                    nextOpening: allowed ? nil : verdict.nextOpening.map(seconds), emergency: emergency),
                verdict: verdict, closesAt: limited ? verdict.closesAt : nil, closing: limited ? verdict.closing : nil,
                environmentPolicy: environment.flatMap { policy?.environments[$0] }, refusedForTime: time)
        }
        guard let environment, let rules = policy?.environments[environment] else {
            if let emergency {
                let record = EmergencyOverride(reason: emergency.reason, approvedBy: emergency.approvedBy, overrides: nil)
                return outcome(true, rule: verdict.ruleCode, sentence: verdict.sentence(in: zone), emergency: record)
            }
            return outcome(true, rule: verdict.ruleCode, sentence: verdict.sentence(in: zone))
        }
        if let emergency {
            guard rules.rules(for: .emergency).overridesBlackouts else {
                return outcome(
                    false, rule: "emergency_not_allowed",
                    sentence:
                        "REFUSED: the policy does not let emergencies override windows or blackouts\(place) "
                        + "(change type 'emergency' has no override_blackouts)")
            }
            let record = EmergencyOverride(
                reason: emergency.reason, approvedBy: emergency.approvedBy,
                overrides: verdict.allowed ? nil : verdict.ruleCode)
            var sentence = "EMERGENCY\(place) approved by \(emergency.approvedBy): \(emergency.reason)"
            sentence += verdict.allowed ? " (\(verdict.reasonText))" : " — overriding: \(verdict.reasonText)"
            return outcome(true, rule: verdict.ruleCode, sentence: sentence, emergency: record)
        }
        let type = ChangeType(rawValue: change.type.rawValue) ?? .normal
        if rules.rules(for: type).approvalRequired {
            var missing: [String] = []
            if change.id == nil { missing.append("a change id (change.id: RFC-YYYY-NNNN)") }
            if change.approvedBy == nil { missing.append("an approver (change.approved_by)") }
            if !missing.isEmpty {
                return outcome(
                    false, rule: "approval",
                    sentence:
                        "REFUSED: a \(type) change\(place) needs approval, and the playbook's change block lacks "
                        + missing.joined(separator: " and "))
            }
        }
        guard verdict.allowed else {
            let rule: String
            switch verdict.basis {
            case .blackout(let name): rule = "REFUSED by blackout '\(name)'"
            default: rule = "REFUSED: outside every maintenance window"
            }
            return outcome(
                false, rule: verdict.ruleCode,
                sentence:
                    "\(rule)\(place) at \(zone.describe(instant)) \(zone.identifier); " + verdict.nextOpeningText(in: zone),
                time: true)
        }
        return outcome(true, rule: verdict.ruleCode, sentence: verdict.sentence(in: zone))
    }

    /// Whole seconds since 1970-01-01 UTC.
    public static func seconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded(.down)) }
}
