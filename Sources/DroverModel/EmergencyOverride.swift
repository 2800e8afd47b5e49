/// An approved emergency run (`--emergency --reason TEXT --approved-by NAME`): who approved it, why, and which
/// rule it overrides. Recorded and shown with the run.
public struct EmergencyOverride: Sendable, Hashable, Codable {
    public var reason: String
    public var approvedBy: String
    /// The rule the run would otherwise have been refused by (`blackout:Year-end freeze`, `outside_windows`);
    /// nil when work was allowed anyway and the override changes only the window-end limit.
    public var overrides: String?

    public init(reason: String, approvedBy: String, overrides: String?) {
        self.reason = reason
        self.approvedBy = approvedBy
        self.overrides = overrides
    }
}
