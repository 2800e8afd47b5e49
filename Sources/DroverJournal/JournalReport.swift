import DroverModel
public import Foundation

/// The runbooks' KPIs over a set of runs, per playbook and overall (pure).
///
/// Runs in check mode and runs still live are left out. Rates are over the runs counted; the duration variance is
/// the mean of (actual − estimate) / estimate over runs that have an estimate; an overrun is a run that took longer
/// than its estimate.
public struct JournalReport: Sendable, Hashable, Encodable {
    public struct Figures: Sendable, Hashable, Encodable {
        public var name: String
        public var runs: Int
        public var successful: Int
        public var rolledBack: Int
        public var failed: Int
        public var partial: Int
        public var refused: Int
        public var interrupted: Int
        public var emergencies: Int
        /// Runs with an estimate and a duration.
        public var estimated: Int
        /// Mean of (actual − estimate) / estimate, in percent; nil without estimated runs.
        public var averageVariancePercent: Double?
        public var overruns: Int

        public var successRate: Double? { runs == 0 ? nil : Double(successful) * 100 / Double(runs) }
        public var rollbackRate: Double? { runs == 0 ? nil : Double(rolledBack) * 100 / Double(runs) }

        enum CodingKeys: String, CodingKey {
            case name, runs, successful, rolledBack = "rolled_back", failed, partial, refused, interrupted,
                emergencies, estimated, averageVariancePercent = "average_variance_percent", overruns,
                successRate = "success_rate", rollbackRate = "rollback_rate"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(runs, forKey: .runs)
            try container.encode(successful, forKey: .successful)
            try container.encode(rolledBack, forKey: .rolledBack)
            try container.encode(failed, forKey: .failed)
            try container.encode(partial, forKey: .partial)
            try container.encode(refused, forKey: .refused)
            try container.encode(interrupted, forKey: .interrupted)
            try container.encode(emergencies, forKey: .emergencies)
            try container.encode(estimated, forKey: .estimated)
            try container.encode(averageVariancePercent, forKey: .averageVariancePercent)
            try container.encode(overruns, forKey: .overruns)
            try container.encode(successRate, forKey: .successRate)
            try container.encode(rollbackRate, forKey: .rollbackRate)
        }

        init(name: String, runs records: [RunRecord]) {
            self.name = name
            let counted = records.filter(JournalReport.counts)
            runs = counted.count
            func count(_ status: RunStatus) -> Int { counted.filter { $0.status == status }.count }
            successful = count(.successful)
            rolledBack = count(.rolledBack)
            failed = count(.failed)
            partial = count(.partial)
            refused = count(.refused)
            interrupted = count(.interrupted)
            emergencies = counted.filter { $0.change.type == .emergency }.count
            let variances = counted.compactMap { run -> Double? in
                guard let estimate = run.change.estimate, estimate > .zero, let duration = run.duration,
                    run.status != .refused
                else { return nil }
                let planned = MaintenanceLog.seconds(estimate)
                return (MaintenanceLog.seconds(duration) - planned) / planned * 100
            }
            estimated = variances.count
            averageVariancePercent = variances.isEmpty ? nil : variances.reduce(0, +) / Double(variances.count)
            overruns = variances.filter { $0 > 0 }.count
        }
    }

    /// What a person or an analysis gate decided in a counted run, as `drover log` shows it: an analysis halt or
    /// pause (the metric, its values and the limit) or an operator's answer to a pause (who, the choice, why; or the
    /// timeout's). Derived from the run's journal events only, so every backend reports the same.
    public struct DecisionEntry: Sendable, Hashable, Encodable {
        public enum Kind: String, Sendable, Hashable, Encodable {
            /// An analysis gate's halt or pause.
            case analysis
            /// An answer to a pause (`drover decide`, the run's terminal, or the pause's timeout).
            case answer
        }

        public var run: String
        public var playbook: String
        /// When it was journaled, as the journal stores it.
        public var time: String
        public var kind: Kind
        /// The stage's index in the playbook (from 0, as in the JSON events).
        public var stage: Int
        public var batch: Int?
        /// `halt` or `pause` for an analysis; `rollback`, `retry` or `continue` for an answer.
        public var action: String
        /// Who answered; nil for an analysis, or when the timeout answered.
        public var by: String?
        public var reason: String
        public var timedOut: Bool?

        enum CodingKeys: String, CodingKey {
            case run, playbook, time, kind, stage, batch, action, by, reason, timedOut = "timed_out"
        }

        /// The run's analysis halts and pauses and the answers to its pauses, in the order they were journaled.
        /// Unreadable entries are skipped.
        public static func of(_ run: RunRecord, events: [JournalEvent]) -> [DecisionEntry] {
            events.compactMap { event in
                func entry(
                    _ kind: Kind, _ stage: Int, _ batch: Int?, _ action: String, by: String? = nil, _ reason: String,
                    timedOut: Bool? = nil
                ) -> DecisionEntry {
                    DecisionEntry(
                        run: run.id, playbook: run.playbook, time: event.timestamp, kind: kind, stage: stage,
                        batch: batch, action: action, by: by, reason: reason, timedOut: timedOut)
                }
                switch try? event.entry() {
                case .event(.decision(let decision))? where decision.rule == .analysis && decision.action != .continue:
                    return entry(.analysis, decision.stage, decision.batch, decision.action.rawValue, decision.reason)
                case .event(.operatorAnswered(let answer))?:
                    return entry(
                        .answer, answer.stage, answer.batch, answer.choice.rawValue, by: answer.by, answer.reason,
                        timedOut: answer.timedOut)
                default:
                    return nil
                }
            }
        }

        /// `2026-12-07 20:22:10  RUN  PLAYBOOK  stage 2 batch 1  pat answered rollback: bad canary`.
        var line: String {
            let when = time.prefix(19).replacingOccurrences(of: "T", with: " ")
            let place = "stage \(stage + 1)" + (batch.map { " batch \($0 + 1)" } ?? "")
            let what: String
            switch kind {
            case .analysis: what = "analysis \(action): \(reason)"
            case .answer:
                what = (by.map { "\($0) answered \(action)" } ?? "no answer in time: \(action)") + ": \(reason)"
            }
            return VisibleText.escape("\(when)  \(run)  \(playbook)  \(place)  \(what)", layout: .singleLine)
        }
    }

    public var since: Date?
    public var environment: String?
    public var overall: Figures
    /// One entry per playbook, by name.
    public var playbooks: [Figures]
    /// The counted runs' analysis halts and pauses and operator answers, oldest first.
    public var decisions: [DecisionEntry]

    /// - Parameters:
    ///   - runs: the runs to report on (already limited to `since`).
    ///   - environment: keep only runs in this environment.
    ///   - events: each run's journal events by run id (for `decisions`); a run without any has none.
    public init(runs: [RunRecord], since: Date?, environment: String?, events: [String: [JournalEvent]] = [:]) {
        let selected = runs.filter { environment == nil || $0.environment == environment }
        self.since = since
        self.environment = environment
        self.overall = Figures(name: "all playbooks", runs: selected)
        self.playbooks = Dictionary(grouping: selected, by: \.playbook).sorted { $0.key < $1.key }.map {
            Figures(name: $0.key, runs: $0.value)
        }
        let counted = selected.filter(Self.counts).sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
        self.decisions = counted.flatMap { DecisionEntry.of($0, events: events[$0.id] ?? []) }
    }

    /// Whether `run` is counted: finished and not in check mode.
    public static func counts(_ run: RunRecord) -> Bool { !run.checkOnly && run.status != nil }

    /// A table for a terminal.
    public func text() -> String {
        var lines: [String] = []
        var scope = "runs"
        if let since { scope += " since \(EventChain.timestamp(since).prefix(10))" }
        if let environment { scope += " in \(environment)" }
        lines.append("Maintenance KPIs (\(scope); check-mode and live runs not counted)")
        let rows = playbooks + [overall]
        let width = max(12, rows.map(\.name.count).max() ?? 0)
        func pad(_ text: String, _ size: Int) -> String {
            text.count >= size ? text : text + String(repeating: " ", count: size - text.count)
        }
        lines.append(
            pad("playbook", width) + "  runs  success  rollback  emergency  variance  overruns  failed  partial  refused")
        for figures in rows {
            lines.append(
                pad(figures.name, width) + "  " + pad(String(figures.runs), 4) + "  "
                    + pad(Self.percent(figures.successRate), 7) + "  " + pad(Self.percent(figures.rollbackRate), 8)
                    + "  " + pad(String(figures.emergencies), 9) + "  "
                    + pad(Self.percent(figures.averageVariancePercent, signed: true), 8) + "  "
                    + pad("\(figures.overruns)/\(figures.estimated)", 8) + "  " + pad(String(figures.failed), 6)
                    + "  " + pad(String(figures.partial), 7) + "  " + String(figures.refused))
        }
        lines.append("")
        if decisions.isEmpty {
            lines.append("Decisions: none (no analysis halted or paused, no pause was answered)")
        } else {
            lines.append("Decisions (analysis halts and pauses, operator answers)")
            lines += decisions.map(\.line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ value: Double?, signed: Bool = false) -> String {
        guard let value else { return "—" }
        let rounded = (value * 10).rounded() / 10
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return (signed && value >= 0 ? "+" : "") + text + "%"
    }
}
