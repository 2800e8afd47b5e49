/// The kind of change a run makes, as the change process classifies it.
public enum ChangeType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Pre-approved, low-risk, repeated work.
    case routine
    /// The usual change: needs a change id and an approver.
    case normal
    /// A high-risk change.
    case major
    /// An urgent fix; may be allowed to override blackouts.
    case emergency

    public var description: String { rawValue }
}
