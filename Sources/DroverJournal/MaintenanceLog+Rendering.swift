import DroverModel
import Foundation

extension MaintenanceLog {
    /// The log as a Markdown document (a runbook's maintenance log, ready to paste into a change ticket).
    /// Times are UTC.
    public func markdown() -> String {
        var lines: [String] = []
        lines.append("# Maintenance log: \(run.playbook)")
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        for (label, value) in header { lines.append("| \(label) | \(Self.cell(value)) |") }
        lines.append("")
        lines.append("## Pre-maintenance checks")
        lines.append("")
        lines += checkLines(preMaintenanceChecks, markdown: true)
        lines.append("")
        lines.append("## Execution log")
        lines.append("")
        lines.append("| Time (UTC) | Event |")
        lines.append("|---|---|")
        for entry in execution { lines.append("| \(Self.clock(entry.time)) | \(Self.cell(entry.text)) |") }
        lines.append("")
        lines.append("## Issues encountered")
        lines.append("")
        if issues.isEmpty { lines.append("None.") }
        for entry in issues { lines.append("- \(Self.clock(entry.time)) \(entry.text)") }
        lines.append("")
        lines.append("## Verification results")
        lines.append("")
        lines += checkLines(verification, markdown: true)
        if !rolledBack.isEmpty { lines.append("- Rolled back: \(rolledBack.joined(separator: ", "))") }
        if !rollbackFailed.isEmpty { lines.append("- Rollback FAILED: \(rollbackFailed.joined(separator: ", "))") }
        lines.append("")
        lines.append("## Completion")
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        for (label, value) in completion { lines.append("| \(label) | \(Self.cell(value)) |") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The log as plain text for a terminal.
    public func text() -> String {
        var lines: [String] = []
        lines.append("MAINTENANCE LOG — \(run.playbook)")
        let width = (header + completion).map(\.0.count).max() ?? 0
        func pair(_ label: String, _ value: String) -> String {
            label + ":" + String(repeating: " ", count: width - label.count + 1) + value
        }
        for (label, value) in header { lines.append(pair(label, value)) }
        lines.append("")
        lines.append("Pre-maintenance checks")
        lines += checkLines(preMaintenanceChecks, markdown: false)
        lines.append("")
        lines.append("Execution log (UTC)")
        for entry in execution { lines.append("  \(Self.clock(entry.time))  \(entry.text)") }
        lines.append("")
        lines.append("Issues encountered")
        if issues.isEmpty { lines.append("  none") }
        for entry in issues { lines.append("  \(Self.clock(entry.time))  \(entry.text)") }
        lines.append("")
        lines.append("Verification results")
        lines += checkLines(verification, markdown: false)
        if !rolledBack.isEmpty { lines.append("  rolled back: \(rolledBack.joined(separator: ", "))") }
        if !rollbackFailed.isEmpty { lines.append("  ROLLBACK FAILED: \(rollbackFailed.joined(separator: ", "))") }
        lines.append("")
        for (label, value) in completion { lines.append(pair(label, value)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The log as one JSON object (snake_case keys, ISO 8601 times).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(EventChain.timestamp(date))
        }
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    private var header: [(String, String)] {
        var rows: [(String, String)] = [
            ("Change ID", run.change.id ?? "none"),
            ("Title", run.playbook),
            ("Change type", run.change.type.rawValue),
            ("Run", run.id + (run.checkOnly ? " (check mode)" : "")),
            ("Environment", run.environment ?? "none"),
            ("Date", Self.day(run.startedAt)),
        ]
        if let plannedEnd, let estimate = run.change.estimate {
            rows.append(
                ("Window", "\(Self.clock(run.startedAt))–\(Self.clock(plannedEnd)) UTC (planned: start + estimate \(DurationText.format(estimate)))"))
        } else {
            rows.append(("Window", "from \(Self.clock(run.startedAt)) UTC (no estimate)"))
        }
        if let policyVerdict { rows.append(("Policy", policyVerdict)) }
        rows.append(("Operator", run.operator))
        rows.append(("Approver", run.change.approvedBy ?? "none"))
        rows.append(("Hosts", String(run.hostCount)))
        return rows
    }

    private var completion: [(String, String)] {
        var rows: [(String, String)] = [
            ("Completion time", run.finishedAt.map { Self.day($0) + " " + Self.clock($0) + " UTC" } ?? "not completed")
        ]
        if let duration = run.duration {
            var text = DurationText.format(duration)
            if let estimate = run.change.estimate, estimate > .zero {
                let variance = (Self.seconds(duration) - Self.seconds(estimate)) / Self.seconds(estimate) * 100
                text += " (estimate \(DurationText.format(estimate)), \(variance >= 0 ? "+" : "")\(Int(variance.rounded()))%)"
            }
            rows.append(("Total duration", text))
        } else {
            rows.append(("Total duration", "unknown"))
        }
        rows.append(("Final status", run.statusText + (run.reason.map { " — \($0)" } ?? "")))
        return rows
    }

    private func checkLines(_ checks: [CheckResult], markdown: Bool) -> [String] {
        if checks.isEmpty { return [markdown ? "None recorded." : "  none recorded"] }
        return checks.map { check in
            let total = check.passed + check.failedHosts.count
            var text = "\(check.stage): \(check.step) — \(check.passed)/\(total) passed"
            if !check.ok { text += "; failed on \(check.failedHosts.joined(separator: ", "))" }
            return markdown ? "- [\(check.ok ? "x" : " ")] \(text)" : "  \(check.ok ? "ok    " : "FAILED") \(text)"
        }
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func clock(_ date: Date) -> String { String(EventChain.timestamp(date).dropFirst(11).prefix(8)) }

    static func day(_ date: Date) -> String { String(EventChain.timestamp(date).prefix(10)) }
}
