import DroverEngine
import DroverModel
import Foundation

/// Prints a run's events as they happen: plain lines for people, or one JSON object per line for machines.
///
/// Human output names every batch, every failure with its reason, every decision with its numbers, every
/// rollback, then a recap table, as plain lines. On a terminal a live status line (`LiveStatus`) sits under
/// them, redrawn as steps start and finish; a pipe or a CI log gets the plain lines alone.
final class RunReporter: @unchecked Sendable {
    private let format: OutputFormat
    private let lock = NSLock()
    private var stageNames: [Int: String] = [:]
    private var stageBatchCounts: [Int: Int] = [:]
    private let start = Date()
    private var emergency: EmergencyOverride?

    private var live: LiveStatus?
    private var liveShown = false
    /// Set when this reporter's lines mix with other runs' (`drover watch` of several runs): each human line starts
    /// with `[RUN] `, each JSON object has `"run"`, and there is no live status line.
    private let run: String?

    init(format: OutputFormat, run: String? = nil) {
        self.format = format
        self.run = run
        let terminal = isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        self.live = format == .human && terminal && run == nil ? LiveStatus() : nil
    }

    /// Prints `event`; `time` is when it happened (now, for the run's own output; as journaled, for `watch`).
    func handle(_ event: RunEvent, at time: Date = Date()) {
        lock.withLock {
            switch format {
            case .json: write(VisibleText.json(RunEventJSON.line(event, at: time, run: run)))
            case .human:
                if let text = human(event) { write(text) }
                if live != nil {
                    live!.absorb(event)
                    if case .stepFinished(let ref, let outcome) = event, ref.phase == .steps, outcome.status != .failed,
                        ref.step == lastStepIndex[ref.stage]
                    {
                        live!.hostFinished(ref.host)
                    }
                    drawLive()
                }
            }
        }
    }

    /// The index of each stage's last step, so the live view counts a host done when it finishes it.
    private var lastStepIndex: [Int: Int] = [:]

    /// Tells the live view how many steps each stage has.
    func expect(stepsPerStage: [Int]) {
        lock.withLock {
            for (stage, count) in stepsPerStage.enumerated() { lastStepIndex[stage] = count - 1 }
        }
    }

    /// Redraws the status line in place (call with the lock held).
    private func drawLive() {
        guard let raw = live?.line(elapsed: Date().timeIntervalSince(start)) else {
            clearLive()
            return
        }
        let width = max(20, Terminal.columns - 1)
        let line = VisibleText.escape(raw, layout: .singleLine)
        let shown = line.count > width ? String(line.prefix(width - 1)) + "…" : line
        try? FileHandle.standardOutput.write(contentsOf: Data(("\r\u{1B}[K" + shown).utf8))
        liveShown = true
    }

    /// Removes the status line so a plain line can take its place (call with the lock held).
    private func clearLive() {
        guard liveShown else { return }
        try? FileHandle.standardOutput.write(contentsOf: Data("\r\u{1B}[K".utf8))
        liveShown = false
    }

    private func human(_ event: RunEvent) -> String? {
        switch event {
        case .policyChecked(let check):
            if check.emergency != nil { return nil }
            return check.allowed ? "policy: \(check.sentence)" : check.sentence
        case .emergencyOverride(let record):
            emergency = record
            var line = "!! EMERGENCY OVERRIDE approved by \(record.approvedBy): \(record.reason)"
            if let rule = record.overrides { line += " (overrides \(rule))" }
            return line
        case .waitingForWindow(let opensAt, let window):
            let name = window.map { "window '\($0)'" } ?? "the next opening"
            return "waiting for \(name): opens \(RunEventJSON.instant(opensAt))"
        case .runStarted(let run):
            var line = "drover run \(run.runID): \(run.playbook)"
            var facts: [String] = []
            if let environment = run.environment { facts.append(environment) }
            facts.append(run.change.type.rawValue)
            if let id = run.change.id { facts.append(id) }
            line += " (\(facts.joined(separator: ", "))) on \(run.hostCount) host\(run.hostCount == 1 ? "" : "s")"
            if run.check { line += " — CHECK MODE: nothing will be changed" }
            return line
        case .stageStarted(let stage, let name, let hosts, let sizes):
            stageNames[stage] = name
            stageBatchCounts[stage] = sizes.count
            if hosts.isEmpty { return "\n== Stage \(stage + 1) '\(name)': no hosts left to run on" }
            let batches = sizes.count == 1 ? "1 batch" : "\(sizes.count) batches \(sizes)"
            return "\n== Stage \(stage + 1) '\(name)': \(hosts.count) host\(hosts.count == 1 ? "" : "s") in \(batches)"
        case .batchStarted(let stage, let batch, let hosts):
            return "-- batch \(batch + 1)/\(stageBatchCounts[stage] ?? 0): \(Self.list(hosts))"
        case .stepStarted:
            return nil
        case .stepFinished(let ref, let outcome):
            let who = ref.delegatedTo.map { "\(ref.host) via \($0)" } ?? ref.host
            switch outcome.status {
            case .failed:
                return "   \(who)  FAILED  \(ref.name): \(Self.oneLine(outcome.reason ?? "failed"))"
            case .ignored:
                return "   \(who)  failed (ignored)  \(ref.name): \(Self.oneLine(outcome.reason ?? ""))"
            case .skipped where outcome.reason?.hasPrefix("check mode") == true:
                return "   \(who)  \(Self.oneLine(outcome.reason!))"
            case .ok where ref.phase == .beforeBatch || ref.phase == .afterBatch:
                return "   \(who)  ok  \(ref.phase.rawValue): \(ref.name)"
            default:
                return nil
            }
        case .hostFailed:
            return nil
        case .batchFinished(_, let batch, let succeeded, let failed, let duration):
            var line = "   batch \(batch + 1): \(succeeded.count) ok"
            if !failed.isEmpty { line += ", \(failed.count) failed (\(Self.list(failed)))" }
            return line + " in \(DurationText.format(duration))"
        case .decision(let decision):
            switch decision.action {
            case .continue:
                return decision.rule == .overrun ? "!! WARNING (on_overrun: warn): \(decision.reason)" : nil
            case .halt:
                let stage = stageNames[decision.stage].map { " '\($0)'" } ?? ""
                return "!! HALT stage\(stage): \(decision.reason)"
            case .stop:
                let stage = stageNames[decision.stage].map { " '\($0)'" } ?? ""
                return "!! STOP stage\(stage): \(decision.reason); hosts are left as they are"
            case .pause:
                let stage = stageNames[decision.stage].map { " '\($0)'" } ?? ""
                return "!! PAUSE stage\(stage): \(decision.reason); waiting for an operator's answer"
            default:
                return "!! \(decision.action) stage: \(decision.reason)"
            }
        case .rollbackStarted(let stage, let hosts, _):
            return "<< rolling back \(hosts.count) host\(hosts.count == 1 ? "" : "s") of '\(stageNames[stage] ?? "")': \(Self.list(hosts))"
        case .rollbackFinished(_, let host, let succeeded, let reason):
            return succeeded ? "   \(host)  rolled back" : "   \(host)  ROLLBACK FAILED  \(Self.oneLine(reason ?? ""))"
        case .stageFinished:
            return nil
        case .runFinished(let status, let reason, _) where status == .refused:
            return "\(status.rawValue) (exit \(status.exitCode))" + (reason.hasPrefix("REFUSED") ? "" : ": \(reason)")
        case .runFinished:
            return nil
        case .leaseLost(_, let host, let reason):
            return "!! \(host)  LEASE LOST  \(reason); nothing more starts there"
        case .measurement(let measurement):
            return (measurement.verdict == .pass ? "   " : "!! ") + "analysis: \(measurement.sentence)"
        case .operatorAnswered(let answer):
            let who = answer.by.map { "\($0) answered" } ?? "no answer in time:"
            return "   \(who) \(answer.choice) — \(answer.reason)"
        case .notification(let notice, let target, let delivered, let error):
            // Only trouble is worth a line: a delivered notice is the normal case.
            if delivered { return nil }
            return "   notice '\(notice.rawValue)' to \(target) not delivered: \(Self.oneLine(error ?? "unknown error"))"
        }
    }

    /// A question for the person at the terminal, on standard error, the cursor left after it (human output only).
    func prompt(_ text: String) {
        guard format == .human else { return }
        lock.withLock {
            clearLive()
            FileHandle.standardError.write(Data(VisibleText.escape(text).utf8))
        }
    }

    /// A line of context for people (nothing in JSON output).
    func note(_ text: String) {
        guard format == .human else { return }
        lock.withLock { write(VisibleText.escape(text)) }
    }

    /// `--output json`: acknowledges a stop request on the event stream (`{"event":"stop_requested","level":…}`),
    /// so a supervising program knows the controller heard it. Human output says so on stderr instead.
    func stopRequested(abort: Bool) {
        guard format == .json else { return }
        let object: [String: Any] = [
            "event": "stop_requested", "level": abort ? "abort" : "finish_in_flight",
            "time": ISO8601DateFormatter().string(from: Date()),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        lock.withLock { write(String(decoding: data, as: UTF8.self)) }
    }

    /// The recap: one row per host, then the decisions and the final status.
    func recap(_ summary: RunSummary) {
        guard format == .human else { return }
        let width = max(4, min(40, summary.hosts.map(\.name.count).max() ?? 4))
        var lines = ["", "RECAP " + String(repeating: "-", count: 60)]
        lines.append(pad("host", width) + "  " + pad("state", 15) + "  steps  " + pad("duration", 9) + "  note")
        for host in summary.hosts {
            lines.append(
                pad(host.name, width) + "  " + pad(host.state.rawValue, 15) + "  " + pad(String(host.steps), 5) + "  "
                    + pad(DurationText.format(host.duration), 9) + "  " + Self.oneLine(host.reason ?? ""))
        }
        if let emergency = lock.withLock({ emergency }) {
            lines.append("")
            lines.append(
                "emergency override approved by \(emergency.approvedBy): \(emergency.reason)"
                    + (emergency.overrides.map { " (overrode \($0))" } ?? ""))
        }
        let halts = summary.decisions.filter { $0.action != .continue || $0.rule == .overrun }
        if !halts.isEmpty {
            lines.append("")
            for decision in halts { lines.append("decision: \(decision.action.rawValue) — \(decision.reason)") }
        }
        var counts: [HostSummary.State: Int] = [:]
        for host in summary.hosts { counts[host.state, default: 0] += 1 }
        let order: [HostSummary.State] = [.ok, .failed, .rolledBack, .rollbackFailed, .interrupted, .leaseLost, .skipped]
        let tally = order.compactMap { state in counts[state].map { "\($0) \(state.rawValue.replacingOccurrences(of: "_", with: " "))" } }
        lines.append("")
        lines.append("\(summary.hosts.count) hosts: \(tally.joined(separator: ", ")) in \(DurationText.format(summary.duration))")
        lines.append("\(summary.status.rawValue) (exit \(summary.status.exitCode)): \(summary.reason)")
        if summary.status == .interrupted { lines.append("continue with: drover resume \(summary.runID)") }
        if summary.stopped != nil {
            let left = summary.hosts.filter { $0.state == .skipped }.map(\.name)
            lines.append("resume in the next window: drover resume \(summary.runID)")
            if !left.isEmpty { lines.append("not yet done: \(Self.list(left))") }
        }
        lock.withLock { write(lines.joined(separator: "\n")) }
    }

    /// Unbuffered, so a pipe or CI log sees each line as it happens. A closed pipe (`| head`) is not a reason to
    /// stop the run: the lines are dropped and the rollout carries on. Every line goes through `VisibleText`, so no
    /// byte a host sent (in a reason, a step name rendered from host facts) reaches the terminal as a control
    /// character; JSON lines were already escaped by `VisibleText.json`, and pass unchanged.
    private func write(_ text: String) {
        clearLive()
        var text = VisibleText.escape(text)
        if let run, format == .human {
            text = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "[\(run)] \($0)" }.joined(separator: "\n")
        }
        try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
    }

    /// Text that may quote a host (a step's last line of stderr) as one line of output: line breaks and control
    /// characters made visible.
    static func oneLine(_ text: String) -> String {
        VisibleText.escape(text, layout: .singleLine)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `a, b, c` — or the first few and a count for long lists.
    static func list(_ names: [String]) -> String {
        names.count <= 8 ? names.joined(separator: " ") : names.prefix(6).joined(separator: " ") + " … (\(names.count) hosts)"
    }
}
