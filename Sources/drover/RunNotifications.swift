import ArgumentParser
import DroverLoading
import DroverModel
import DroverNotify
import Foundation

/// The notifier of a `drover run`: targets from the policy (the environment's `notify`, else the top-level one),
/// replaced by the playbook's own `notify`.
///
/// Policy loading here is the minimum notices need (`--policy FILE`, else `policy.yml` beside the inventory when it
/// exists); window and approval checks are the policy engine's.
enum RunNotifications {
    /// The policy file a run uses: `--policy`, else `policy.yml` beside the inventory when it exists.
    static func policyPath(option: String?, inventory: String) -> String? {
        if let option { return option }
        let directory = InventoryLoader.directory(of: inventory)
        let path = (directory.isEmpty ? "" : directory + "/") + "policy.yml"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The notify settings in force, and the policy's zone; exits 64 on a bad policy.
    static func settings(policyPath: String?, environment: String?, playbook: Playbook) throws -> (
        NotifySettings?, TimeZone
    ) {
        let policy = try policyPath.map { path in try CommandSupport.loading { try PolicyLoader().load(path: path) } }
        let zone = policy.flatMap { TimeZone(identifier: $0.timeZone) } ?? TimeZone(identifier: "UTC")!
        if let own = playbook.notify { return (own, zone) }
        guard let policy else { return (nil, zone) }
        return (environment.map { policy.notify(for: $0) } ?? policy.notify, zone)
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
        hostCount: Int, report: @escaping @Sendable (RunEvent) -> Void
    ) throws -> Notifier<ContinuousClock>? {
        guard let settings, !settings.targets.isEmpty else { return nil }
        let impact: String?
        if case .string(let text)? = playbook.vars["impact"] { impact = text } else { impact = nil }
        let facts = RunFacts(
            runID: runID, playbook: playbook.name, environment: environment, change: playbook.change,
            hostCount: hostCount, stageNames: playbook.stages.map(\.name.source), impact: impact, timeZone: zone,
            startedAt: Date())
        return Notifier(settings: settings, facts: facts, templates: try templates(settings), report: report)
    }
}
