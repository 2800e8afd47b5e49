import DroverModel

/// A playbook as `PlaybookLoader` read it: the model, plus where its parts were written.
public struct LoadedPlaybook: Sendable {
    public var playbook: Playbook
    /// Places for messages about the playbook (`PlaybookValidator` uses them).
    public var sourceMap: PlaybookSourceMap

    /// Whether the playbook has its own `notify:` block (which replaces the policy's).
    public var hasNotify: Bool { playbook.notify != nil }
}
