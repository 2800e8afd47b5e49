import ArgumentParser
import DroverLoading
import DroverModel
import DroverNotify
import Foundation

/// The notifier of a `drover run`: targets from the policy (the environment's `notify`, else the top-level one),
/// replaced by the playbook's own `notify`.
///
enum RunNotifications {
    /// The notify settings in force: the playbook's own, else the policy's for the environment, else its top level.
    static func settings(policy: Policy?, environment: String?, playbook: Playbook) -> NotifySettings? {
        if let own = playbook.notify { return own }
        guard let policy else { return nil }
        return environment.map { policy.notify(for: $0) } ?? policy.notify
    }

    /// The zone notices show times in: the policy's, else UTC.
    static func zone(of policy: Policy?) -> TimeZone {
        policy.flatMap { TimeZone(identifier: $0.timeZone) } ?? TimeZone(identifier: "UTC")!
    }

    /// Compiles the templates; a bad one is a usage error (exit 64) before anything connects.
    static func templates(_ settings: NotifySettings) throws -> NoticeTemplates {
        do {
            return try NoticeTemplates(overrides: settings.templates)
        } catch {
            Terminal.error("notify: \(error)")
            throw ExitCode(64)
        }
    }

    /// A notifier for the run, or nil when no target is configured.
    static func notifier(
        settings: NotifySettings?, zone: TimeZone, runID: String, playbook: Playbook, environment: String?,
        hostCount: Int, window: NoticeWindow? = nil, report: @escaping @Sendable (RunEvent) -> Void
    ) throws -> Notifier<ContinuousClock>? {
        guard let settings, !settings.targets.isEmpty else { return nil }
        let impact: String?
        if case .string(let text)? = playbook.vars["impact"] { impact = text } else { impact = nil }
        let facts = RunFacts(
            runID: runID, playbook: playbook.name, environment: environment, change: playbook.change,
            hostCount: hostCount, stageNames: playbook.stages.map(\.name.source), impact: impact, timeZone: zone,
            startedAt: Date())
        var withWindow = facts
        withWindow.window = window
        return Notifier(settings: settings, facts: withWindow, templates: try templates(settings), report: report)
    }
}
