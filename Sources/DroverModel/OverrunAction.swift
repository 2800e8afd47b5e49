/// What happens when a run exceeds its estimate by the policy's overrun factor (`on_overrun`).
///
/// A struct over a private enum, so more actions can be added without breaking exhaustive switches elsewhere.
public struct OverrunAction: Sendable, Hashable, Codable, CustomStringConvertible {
    private enum Action: String, Sendable, Hashable, Codable {
        case haltAndRollback = "halt_and_rollback"
        case halt
        case warn
    }

    private let action: Action

    /// Start nothing new, then roll back what the run changed (the default).
    public static let haltAndRollback = OverrunAction(action: .haltAndRollback)
    /// Start nothing new and leave the hosts as they are.
    public static let halt = OverrunAction(action: .halt)
    /// Notify (`delayed`) and carry on.
    public static let warn = OverrunAction(action: .warn)

    /// Every action, in the order policy documentation lists them.
    public static let all: [OverrunAction] = [.haltAndRollback, .halt, .warn]

    /// The name written in policy files: `halt_and_rollback`, `halt` or `warn`.
    public var name: String { action.rawValue }

    /// The action a policy file names, or nil.
    public init?(name: String) {
        guard let action = Action(rawValue: name) else { return nil }
        self.action = action
    }

    private init(action: Action) {
        self.action = action
    }

    /// True when the run should stop starting work.
    public var halts: Bool { action != .warn }
    /// True when the run should roll back after halting.
    public var rollsBack: Bool { action == .haltAndRollback }

    public var description: String { name }
}
