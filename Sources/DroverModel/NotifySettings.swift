/// Who is told what during a run, and before a planned one (`notify:` at the top of the policy, in an environment,
/// or in a playbook).
public struct NotifySettings: Sendable, Hashable, Codable {
    /// How often a `progress` notice is sent while a run goes on (default 30 minutes).
    public var progressEvery: Duration
    public var targets: [NotifyTarget]
    /// Mustache templates replacing the built-in text of an event's notice; events not listed keep the default.
    public var templates: [NotifyEvent: String]
    /// How long before a planned run each advance notice is due (`advance: [72h, 24h, 1h]`), longest first; a
    /// target's own `advance` replaces it. Empty: no advance notices.
    public var advance: [Duration]

    /// The progress interval when none is written.
    public static let defaultProgressEvery: Duration = .seconds(30 * 60)

    public init(
        progressEvery: Duration = NotifySettings.defaultProgressEvery, targets: [NotifyTarget] = [],
        templates: [NotifyEvent: String] = [:], advance: [Duration] = []
    ) {
        self.progressEvery = progressEvery
        self.targets = targets
        self.templates = templates
        self.advance = advance
    }

    /// The advance offsets of `target`: its own, else these settings', longest first.
    public func advance(for target: NotifyTarget) -> [Duration] {
        (target.advance ?? advance).sorted(by: >)
    }
}
