import DroverJournal
import DroverModel
import Foundation

/// The runs planned with `drover schedule`, beside the windows.
extension CalendarCommand {
    /// The environment's planned runs from the journal's schedule book; none when the journal file does not exist
    /// (the calendar never creates one).
    func plannedRuns(environment: String) async throws -> [ScheduleBook.Entry] {
        guard FileManager.default.fileExists(atPath: journalOptions.path) else { return [] }
        let journal = try await journalOptions.open()
        return try await journalCall { try await ScheduleBook.read(from: journal) }.entries.filter {
            $0.plan.environment == environment
        }
    }

    /// One planned run as a VEVENT: its UID never changes, `SEQUENCE` is its revision (moved, cancelled), `STATUS`
    /// is CANCELLED once cancelled; the description is the runbook's calendar entry.
    static func plannedEvent(
        _ entry: ScheduleBook.Entry, environment: String, stamp: String, text: (String) -> String
    ) -> [String] {
        let plan = entry.plan
        func time(_ date: Date) -> String {
            InstantText.format(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        }
        let end = plan.change.estimate.map { plan.start.addingTimeInterval(TimeInterval($0.components.seconds)) } ?? plan.end
        var description = [
            "Change: \(plan.change.id ?? "no change id") (\(plan.change.type.rawValue))"
                + (plan.change.approvedBy.map { ", approved by \($0)" } ?? ""),
            "Playbook: \(plan.playbook)",
            "Hosts: \(plan.hosts.count)" + (plan.hosts.isEmpty ? "" : " (\(plan.hosts.prefix(8).joined(separator: ", "))"
                + (plan.hosts.count > 8 ? " and \(plan.hosts.count - 8) more)" : ")")),
            "Impact: \(plan.change.impact ?? "not stated")",
            "Rollback: \(plan.rollback)",
            "Must be over by: \(InstantText.format(plan.end))" + (plan.window.map { " (window \($0))" } ?? ""),
        ]
        if let requester = plan.change.requestedBy { description.append("Requested by: \(requester)") }
        if let contact = plan.change.contact { description.append("Contact: \(contact)") }
        if let cancelled = entry.cancelled { description.insert("CANCELLED: \(cancelled.reason)", at: 0) }
        return [
            "BEGIN:VEVENT", "UID:" + text("schedule-\(plan.id)@drover"), "DTSTAMP:" + stamp,
            "SEQUENCE:\(entry.revision)", "STATUS:" + (entry.cancelled == nil ? "CONFIRMED" : "CANCELLED"),
            "DTSTART:" + time(plan.start), "DTEND:" + time(end),
            "SUMMARY:" + text("[\(environment)] Maintenance: \(plan.title)"),
            "DESCRIPTION:" + text(description.joined(separator: "\n")), "TRANSP:OPAQUE", "END:VEVENT",
        ]
    }
}
