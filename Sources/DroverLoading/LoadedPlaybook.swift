import DroverModel

/// A playbook as `PlaybookLoader` read it: the model, plus where its parts were written.
public struct LoadedPlaybook: Sendable {
    public var playbook: Playbook
    /// Places for messages about the playbook (`PlaybookValidator` uses them).
    public var sourceMap: PlaybookSourceMap
    /// The `notify:` block, accepted but not read yet.
    // notify: once `NotifySettings` exists (the policy work), PlaybookReader reads this node into it and the
    // field becomes `notify: NotifySettings?` (on the model, where the engine can reach it).
    var notifyNode: YAMLNode?

    /// Whether the playbook has a `notify:` block (its contents are not validated yet).
    public var hasNotify: Bool { notifyNode != nil }
}
