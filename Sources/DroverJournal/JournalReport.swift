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
            let counted = records.filter { !$0.checkOnly && $0.status != nil }
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

    public var since: Date?
    public var environment: String?
    public var overall: Figures
    /// One entry per playbook, by name.
    public var playbooks: [Figures]

    /// - Parameters:
    ///   - runs: the runs to report on (already limited to `since`).
    ///   - environment: keep only runs in this environment.
    public init(runs: [RunRecord], since: Date?, environment: String?) {
        let selected = runs.filter { environment == nil || $0.environment == environment }
        self.since = since
        self.environment = environment
        self.overall = Figures(name: "all playbooks", runs: selected)
        self.playbooks = Dictionary(grouping: selected, by: \.playbook).sorted { $0.key < $1.key }.map {
            Figures(name: $0.key, runs: $0.value)
        }
    }

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
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ value: Double?, signed: Bool = false) -> String {
        guard let value else { return "—" }
        let rounded = (value * 10).rounded() / 10
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return (signed && value >= 0 ? "+" : "") + text + "%"
    }
}
