/// What a change type needs before it may run, and what it may override.
public struct ChangeTypePolicy: Sendable, Hashable, Codable {
    /// A change id (`RFC-YYYY-NNNN`) and an approver are required.
    public var approvalRequired: Bool
    /// An approved change of this type may run inside blackouts and outside windows (recorded with its reason).
    public var overridesBlackouts: Bool

    public init(approvalRequired: Bool, overridesBlackouts: Bool = false) {
        self.approvalRequired = approvalRequired
        self.overridesBlackouts = overridesBlackouts
    }

    /// The defaults for an environment whose policy lists no `change_types` (and for each type it leaves out):
    /// `routine` needs no approval; `normal`, `major` and `emergency` need one; only `emergency` overrides blackouts.
    public static let defaults: [ChangeType: ChangeTypePolicy] = [
        .routine: ChangeTypePolicy(approvalRequired: false),
        .normal: ChangeTypePolicy(approvalRequired: true),
        .major: ChangeTypePolicy(approvalRequired: true),
        .emergency: ChangeTypePolicy(approvalRequired: true, overridesBlackouts: true),
    ]
}
