/// Who is told what during a run (`notify:` at the top of the policy, in an environment, or in a playbook).
public struct NotifySettings: Sendable, Hashable, Codable {
    /// How often a `progress` notice is sent while a run goes on (default 30 minutes).
    public var progressEvery: Duration
    public var targets: [NotifyTarget]
    /// Mustache templates replacing the built-in text of an event's notice; events not listed keep the default.
    public var templates: [NotifyEvent: String]

    /// The progress interval when none is written.
    public static let defaultProgressEvery: Duration = .seconds(30 * 60)

    public init(
        progressEvery: Duration = NotifySettings.defaultProgressEvery, targets: [NotifyTarget] = [],
        templates: [NotifyEvent: String] = [:]
    ) {
        self.progressEvery = progressEvery
        self.targets = targets
        self.templates = templates
    }
}
