import DroverEngine
import DroverJournal
import DroverModel
import DroverRuntime
import Foundation

/// How planned runs are shown: a line for people, a JSON object for scripts.
extension ScheduleCommand {
    /// `scheduled S-RFC-2026-0042 'Kernel update' in production: Sun 2026-12-13 02:00 UTC (window 'Primary', must
    /// be over by 06:00), 12 hosts`.
    static func scheduledLine(_ entry: ScheduleBook.Entry) -> String {
        let plan = entry.plan
        let zone = ZoneRules(identifier: plan.timeZone) ?? .utc
        let verb = entry.revision == 0 ? "scheduled" : "moved (revision \(entry.revision))"
        let place = plan.environment.map { " in \($0)" } ?? ""
        let window = plan.window.map { "window '\($0)', " } ?? ""
        return "\(verb) \(plan.id) '\(plan.title)'\(place): \(zone.describe(plan.start)) \(zone.identifier) (\(window)"
            + "over by \(zone.describe(plan.end))), \(plan.hosts.count) hosts"
    }

    /// `S-RFC-2026-0042  SCHEDULED  Sun 2026-12-13 02:00 UTC  production  Kernel update`.
    static func listLine(_ entry: ScheduleBook.Entry, now: Date) -> String {
        let plan = entry.plan
        let zone = ZoneRules(identifier: plan.timeZone) ?? .utc
        var line = [
            plan.id, entry.status(at: now).rawValue, "\(zone.describe(plan.start)) \(zone.identifier)",
            plan.environment ?? "-", "'\(plan.title)'",
        ].joined(separator: "  ")
        if let run = entry.run { line += "  run \(run)" }
        if let cancelled = entry.cancelled { line += "  (\(cancelled.reason))" }
        return line
    }

    /// One planned run as a JSON object (sorted keys; times UTC ISO 8601).
    static func json(_ entry: ScheduleBook.Entry, now: Date) -> String {
        let plan = entry.plan
        let object: [String: Any] = [
            "id": plan.id, "status": entry.status(at: now).rawValue, "revision": entry.revision,
            "title": plan.title, "playbook": plan.playbook, "playbook_path": plan.playbookPath,
            "inventory_path": plan.inventoryPath, "environment": plan.environment ?? NSNull(),
            "change_id": plan.change.id ?? NSNull(), "change_type": plan.change.type.rawValue,
            "approved_by": plan.change.approvedBy ?? NSNull(), "requested_by": plan.change.requestedBy ?? NSNull(),
            "impact": plan.change.impact ?? NSNull(), "contact": plan.change.contact ?? NSNull(),
            "estimate_ms": plan.change.estimate.map(RunEventJSON.milliseconds) ?? NSNull(),
            "start": InstantText.format(plan.start), "end": InstantText.format(plan.end),
            "window": plan.window ?? NSNull(), "time_zone": plan.timeZone, "hosts": plan.hosts,
            "rollback": plan.rollback, "scheduled_by": entry.scheduledBy ?? NSNull(),
            "scheduled_at": InstantText.format(entry.scheduledAt), "run": entry.run ?? NSNull(),
            "cancel_reason": entry.cancelled?.reason ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// `notice advance (S-RFC-2026-0042) to webhook https://hooks.example/…: delivered`.
    static func line(_ notice: Scheduler.SentNotice) -> String {
        let outcome = notice.outcome
        return "notice \(outcome.event.rawValue) (\(notice.schedule)) to \(outcome.target): "
            + (outcome.delivered ? "delivered" : "NOT delivered: \(outcome.error ?? "unknown error")")
    }
}
