/// The organisation's maintenance policy (`policy.yml`): per environment, when work may happen, and who is told.
///
/// An environment the policy does not name has no time restrictions. Invariant (kept by the loader): every zone
/// named here exists in the system's tz database; each rule already carries its resolved zone.
public struct Policy: Sendable, Hashable, Codable {
    /// The zone for rules without their own `timezone` (default `UTC`).
    public var timeZone: String
    public var environments: [String: EnvironmentPolicy]
    /// Notify settings for environments without their own; nil when the policy has none.
    public var notify: NotifySettings?

    public init(timeZone: String = "UTC", environments: [String: EnvironmentPolicy], notify: NotifySettings? = nil) {
        self.timeZone = timeZone
        self.environments = environments
        self.notify = notify
    }

    /// The notify settings that apply to `environment`: its own, else the top-level ones.
    public func notify(for environment: String) -> NotifySettings? {
        environments[environment]?.notify ?? notify
    }
}
