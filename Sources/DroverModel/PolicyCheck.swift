/// The policy's verdict on a run, checked before it connects to anything: recorded as the run's first event.
///
/// Instants are whole seconds since 1970-01-01 UTC (this module uses no Foundation).
public struct PolicyCheck: Sendable, Hashable, Codable {
    /// The inventory's environment, if it names one.
    public var environment: String?
    /// True when the run may go ahead.
    public var allowed: Bool
    /// The rule that decided: `window:NAME`, `blackout:NAME`, `outside_windows`, `any_time`, `approval`,
    /// `emergency_not_allowed`, `no_policy`, `environment_not_in_policy`.
    public var rule: String
    /// The verdict as one sentence people read (a refusal names the rule and the next opening).
    public var sentence: String
    /// When the current window closes (the run stops starting batches that cannot finish by then).
    public var closesAt: Int?
    /// When not allowed: when work may next start.
    public var nextOpening: Int?
    /// Set when the run goes ahead as an approved emergency.
    public var emergency: EmergencyOverride?

    public init(
        environment: String?, allowed: Bool, rule: String, sentence: String, closesAt: Int? = nil,
        nextOpening: Int? = nil, emergency: EmergencyOverride? = nil
    ) {
        self.environment = environment
        self.allowed = allowed
        self.rule = rule
        self.sentence = sentence
        self.closesAt = closesAt
        self.nextOpening = nextOpening
        self.emergency = emergency
    }
}
