public import DroverModel

/// The pure part of an analysis (SPEC section 10): judges each observation against its metric's bounds, counts
/// consecutive failures per metric (per metric and host for `http` metrics), and says when the stage halts, with
/// the sentence that names the metric, the values seen and the limit.
///
/// Inconclusive measurements follow the metric's `inconclusive`: `halt` counts them as failures; `ignore` leaves
/// the count as it was; `pause` counts them, and a limit reached by inconclusive measurements alone pauses the run
/// for a person instead of halting it. A passing measurement ends its metric's streak.
public struct AnalysisEvaluator: Sendable {
    /// Where the analysis ended up.
    public enum Outcome: Sendable, Hashable {
        /// A metric failed `failure_limit` measurements in a row: the sentence says which, with the values.
        case halt(String)
        /// An `inconclusive: pause` metric saw no usable value `failure_limit` times in a row.
        case pause(String)
    }

    public let analysis: Analysis
    /// Each metric's (and host's) current run of failing measurements, oldest first.
    private var streaks: [String: [Measurement]] = [:]
    /// Every measurement taken, in order.
    public private(set) var measurements: [Measurement] = []

    public init(analysis: Analysis) {
        self.analysis = analysis
    }

    /// The verdict of one observation of `metric`, its value (an `http` metric's is milliseconds) and, when it did not
    /// pass, why.
    public static func judge(
        _ metric: Metric, _ observation: Observation
    ) -> (verdict: Measurement.Verdict, value: Double?, detail: String?) {
        switch (metric.source, observation) {
        case (_, .inconclusive(let why)):
            return (.inconclusive, nil, why)
        case (.prometheus, .value(let value)):
            if value.isNaN { return (.inconclusive, nil, "NaN") }
            if let maximum = metric.max, value > maximum {
                return (.fail, value, "\(Metric.number(value)) > max \(Metric.number(maximum))")
            }
            if let minimum = metric.min, value < minimum {
                return (.fail, value, "\(Metric.number(value)) < min \(Metric.number(minimum))")
            }
            return (.pass, value, nil)
        case (.http(_, let status, let maxMs, let body), .response(let answered, let milliseconds, let matched)):
            if answered != status { return (.fail, milliseconds, "HTTP \(answered), expected \(status)") }
            if let body, matched == false { return (.fail, milliseconds, "the body does not contain '\(body)'") }
            if let maxMs, milliseconds > Double(maxMs) {
                return (.fail, milliseconds, "\(Metric.number(milliseconds.rounded())) ms > max_ms \(maxMs)")
            }
            return (.pass, milliseconds, nil)
        case (.http, .noAnswer(let why)):
            // A host that does not answer its health URL is failing, not unknown.
            return (.fail, nil, why)
        case (.prometheus, _):
            return (.inconclusive, nil, "not a number")
        case (.http, _):
            return (.inconclusive, nil, "not an HTTP answer")
        }
    }

    /// Takes one measurement of `metric`; returns the outcome once a streak reaches `failure_limit`, else nil.
    public mutating func add(_ measurement: Measurement, of metric: Metric) -> Outcome? {
        measurements.append(measurement)
        let key = measurement.host.map { "\(metric.name)\u{0}\($0)" } ?? metric.name
        switch measurement.verdict {
        case .pass:
            streaks[key] = nil
            return nil
        case .inconclusive where metric.inconclusive == .ignore:
            return nil
        case .fail, .inconclusive:
            streaks[key, default: []].append(measurement)
        }
        let streak = streaks[key] ?? []
        guard streak.count >= analysis.failureLimit else { return nil }
        let sentence = Self.sentence(streak)
        if metric.inconclusive == .pause, streak.allSatisfy({ $0.verdict == .inconclusive }) {
            return .pause(sentence)
        }
        return .halt(sentence)
    }

    /// `error rate 0.12, 0.09 > max 0.05 for 2 consecutive measurements`; `health latency on host003: 1204 ms >
    /// max_ms 1000`; `error rate: no data, 3 series (inconclusive) for 2 consecutive measurements`.
    static func sentence(_ streak: [Measurement]) -> String {
        guard let last = streak.last else { return "" }
        let subject = last.host.map { "\(last.metric) on \($0)" } ?? last.metric
        let count = streak.count > 1 ? " for \(streak.count) consecutive measurements" : ""
        if streak.allSatisfy({ $0.verdict == .inconclusive }) {
            return "\(subject): " + streak.map { $0.detail ?? "no value" }.joined(separator: ", ") + " (inconclusive)"
                + count
        }
        // Values past the same bound read as one comparison: `0.12, 0.09 > max 0.05`, `1204 ms, 1530 ms > max_ms 1000`.
        let bound = last.detail.flatMap { detail in
            [" > max_ms", " > max", " < min"].lazy.compactMap { marker in
                detail.range(of: marker).map { String(detail[$0.lowerBound...]) }
            }.first
        }
        if let bound,
            streak.allSatisfy({ $0.verdict == .fail && $0.value != nil && $0.detail?.hasSuffix(bound) == true })
        {
            return "\(subject) " + streak.map(\.shownValue).joined(separator: ", ") + bound + count
        }
        return "\(subject): " + streak.map { $0.detail ?? $0.shownValue }.joined(separator: "; ") + count
    }

    /// What passed, for the decision that lets the batch go on: `error rate 0.01 (max 0.05); health latency at most
    /// 84 ms (status 200, max_ms 1000) — 3 measurements`.
    public func passed() -> String {
        var parts: [String] = []
        for metric in analysis.metrics {
            let taken = measurements.filter { $0.metric == metric.name }
            let values = taken.compactMap(\.value)
            let inconclusive = taken.filter { $0.verdict == .inconclusive }.count
            var part: String
            switch metric.source {
            case .prometheus:
                part = metric.name + " " + (values.last.map { Metric.number($0) } ?? "no value")
            case .http:
                part = metric.name + (values.max().map { " at most \(Metric.number($0.rounded())) ms" } ?? " no answer")
            }
            part += " (\(metric.threshold))"
            if inconclusive > 0 { part += ", \(inconclusive) inconclusive ignored" }
            parts.append(part)
        }
        let rounds = measurements.map(\.round).max() ?? 0
        return "analysis passed: " + parts.joined(separator: "; ") + " — \(rounds) measurement"
            + (rounds == 1 ? "" : "s")
    }
}
