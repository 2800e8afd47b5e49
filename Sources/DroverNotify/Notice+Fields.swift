import DroverModel
import Foundation

/// A notice's facts by name: the Mustache context of its message and the fields of its JSON (snake_case, stable,
/// documented in this module's README). Absent facts are left out, so `{{#change_id}}…{{/change_id}}` works.
extension Notice {
    /// The fields as JSON values (strings, numbers, booleans, lists of strings).
    public var fields: [String: any Sendable] {
        var fields: [String: any Sendable] = [
            "event": event.rawValue,
            "title": title,
            "run_id": facts.runID,
            "playbook": facts.playbook,
            "change_type": facts.change.type.rawValue,
            "hosts_total": facts.hostCount,
            "hosts_done": hostsDone,
            "hosts_failed": failedHosts.count,
            "failed_hosts": failedHosts,
            "rolled_back_hosts": rolledBackHosts,
            "rollback_failed_hosts": rollbackFailedHosts,
            "stage_count": facts.stageNames.count,
            "started_at": Self.iso(facts.startedAt),
            "time": Self.iso(time),
            "elapsed_s": Int(elapsed.components.seconds),
            "elapsed": Self.spoken(elapsed),
            "progress_every": Self.spoken(progressEvery),
        ]
        fields["environment"] = facts.environment
        fields["change_id"] = facts.change.id
        fields["approved_by"] = facts.change.approvedBy
        fields["impact"] = impact
        if let window = facts.window {
            fields["window"] = window.name ?? "window"
            fields["window_end"] = Self.iso(window.end)
        }
        if let stage {
            fields["stage_number"] = stage + 1
            fields["stage"] = stageName ?? ""
            fields["stage_hosts"] = stageHosts
            fields["stage_hosts_done"] = stageHostsDone
        }
        if let expectedEnd { fields["expected_end"] = Self.iso(expectedEnd) }
        if let outcome { fields["outcome"] = outcome.rawValue }
        if let reason { fields["reason"] = reason }
        if let estimate = facts.change.estimate { fields["estimate"] = Self.spoken(estimate) }
        if let planned {
            fields["schedule_id"] = planned.scheduleID
            fields["schedule_revision"] = planned.revision
            fields["scheduled_start"] = Self.iso(planned.start)
            fields["scheduled_end"] = Self.iso(planned.end)
            fields["change_title"] = planned.title
            fields["rollback"] = planned.rollback
            fields["hosts"] = planned.hosts
            fields["contact"] = planned.contact
            fields["requested_by"] = planned.requestedBy
            if let ahead = planned.ahead { fields["notice_ahead"] = Self.spoken(ahead) }
            fields["next_opening"] = planned.nextOpening
        }
        return fields
    }

    /// The Mustache context: `fields`, plus times in the policy's zone (`*_local`), host lists as text
    /// (`*_list`) and flags for sections (`any_failed`, `any_rolled_back`, `any_rollback_failed`).
    public var context: [String: Any] {
        var context: [String: Any] = fields
        context["started_at_local"] = local(facts.startedAt)
        context["time_local"] = local(time)
        if let window = facts.window { context["window_end_local"] = local(window.end) }
        if let expectedEnd { context["expected_end_local"] = local(expectedEnd) }
        context["failed_hosts_list"] = Self.list(failedHosts)
        context["rolled_back_hosts_list"] = Self.list(rolledBackHosts)
        context["rollback_failed_hosts_list"] = Self.list(rollbackFailedHosts)
        context["any_failed"] = !failedHosts.isEmpty
        context["any_rolled_back"] = !rolledBackHosts.isEmpty
        context["any_rollback_failed"] = !rollbackFailedHosts.isEmpty
        if let planned {
            context["scheduled_start_local"] = local(planned.start)
            context["scheduled_end_local"] = local(planned.end)
            context["hosts_list"] = Self.list(planned.hosts)
        }
        return context
    }

    /// A short headline ("Maintenance started"), used by the default templates and as the JSON `title`.
    public var title: String {
        switch event {
        case .started: return "Maintenance started"
        case .progress: return "Maintenance in progress"
        case .delayed: return "Maintenance delayed"
        case .extended: return "Maintenance window extended"
        case .completed: return "Maintenance completed"
        case .completedWithIssues: return "Maintenance completed with issues"
        case .rolledBack: return "Maintenance rolled back"
        case .failed: return "Maintenance FAILED"
        case .refused: return "Maintenance not started"
        case .interrupted: return "Maintenance interrupted"
        case .scheduled: return "Maintenance scheduled"
        case .advance: return "Planned maintenance"
        case .reminder: return "Reminder: planned maintenance"
        case .cancelled: return "Planned maintenance cancelled"
        case .missed: return "Planned maintenance did not take place"
        }
    }

    /// What users see while the work goes on: the facts' own words, else the change's, else nothing (the planner
    /// fills it in from the batches).
    var impact: String? { facts.impact ?? facts.change.impact }

    /// `2026-11-22 03:30 UTC` in the facts' zone.
    func local(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = facts.timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let zone = facts.timeZone.identifier == "UTC" || facts.timeZone.identifier == "GMT"
            ? "UTC" : facts.timeZone.abbreviation(for: date) ?? facts.timeZone.identifier
        return formatter.string(from: date) + " " + zone
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `300ms`, `45s`, `12m`, `1h 5m`, `2h`: milliseconds under a second, whole seconds under a minute, else whole minutes; notices are read by people.
    public static func spoken(_ duration: Duration) -> String {
        let seconds = max(0, duration.components.seconds)
        if seconds == 0 { return "\(max(0, duration.components.attoseconds / 1_000_000_000_000_000))ms" }
        if seconds < 60 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes)m" }
        return minutes % 60 == 0 ? "\(minutes / 60)h" : "\(minutes / 60)h \(minutes % 60)m"
    }

    /// `a, b, c`, or the first eight and a count.
    static func list(_ names: [String]) -> String {
        names.count <= 8 ? names.joined(separator: ", ") : names.prefix(8).joined(separator: ", ") + " and \(names.count - 8) more"
    }
}
