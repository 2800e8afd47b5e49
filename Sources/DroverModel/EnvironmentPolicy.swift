/// When work may happen in one environment (`production`, `staging`), and what an overrun does.
///
/// A time is allowed when it is inside some window (or `windows` is nil) and inside no blackout; an approved change
/// whose type overrides blackouts may run anyway. Window calculation lives in the engine, not here.
public struct EnvironmentPolicy: Sendable, Hashable, Codable {
    /// The windows work may happen in; nil when the policy names none (any time outside blackouts). Never empty.
    public var windows: [MaintenanceWindow]?
    public var blackouts: [Blackout]
    /// Every change type's rules (the defaults in `ChangeTypePolicy.defaults` for types the policy leaves out).
    public var changeTypes: [ChangeType: ChangeTypePolicy]
    /// A run overruns when it takes longer than its estimate times this factor (> 1; default 1.5).
    public var overrunFactor: Double
    public var onOverrun: OverrunAction
    /// This environment's notify settings; nil uses the policy's top-level ones.
    public var notify: NotifySettings?
    /// Who may answer a paused run `continue` here (`drover decide RUN continue --by NAME`), accepting a halt's
    /// failures; empty: nobody. Only production requires it (SPEC section 10).
    public var overrideApprovers: [String] = []

    /// The overrun factor when none is written: "exceeded the window by 50%".
    public static let defaultOverrunFactor = 1.5

    public init(
        windows: [MaintenanceWindow]? = nil,
        blackouts: [Blackout] = [],
        changeTypes: [ChangeType: ChangeTypePolicy] = ChangeTypePolicy.defaults,
        overrunFactor: Double = EnvironmentPolicy.defaultOverrunFactor,
        onOverrun: OverrunAction = .haltAndRollback,
        notify: NotifySettings? = nil
    ) {
        self.windows = windows
        self.blackouts = blackouts
        self.changeTypes = changeTypes
        self.overrunFactor = overrunFactor
        self.onOverrun = onOverrun
        self.notify = notify
    }

    /// The rules for `type` (the default when somehow absent).
    public func rules(for type: ChangeType) -> ChangeTypePolicy {
        changeTypes[type] ?? ChangeTypePolicy.defaults[type]!
    }
}
