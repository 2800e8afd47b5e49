/// One measurement of an analysis metric (SPEC section 10): its value, its bounds and its verdict. Every measurement
/// is an event, so the live view, the JSON events, the journal and the maintenance log show what the gate saw.
public struct Measurement: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable {
        case pass
        case fail
        /// No usable value: no data, NaN, several series, an error answer or an unreachable server.
        case inconclusive
    }

    public var stage: Int
    public var batch: Int
    public var metric: String
    /// The host measured (an `http` metric measures each host of the batch); nil for a Prometheus query.
    public var host: String?
    /// 1 for the first measurement of the batch's analysis, 2 for the next…
    public var round: Int
    /// The value (an `http` metric's is the response time in milliseconds); nil when there is none.
    public var value: Double?
    /// The value's unit (`ms` for an `http` metric's response time); nil for a plain number.
    public var unit: String?
    /// The bounds in words (`max 0.05`, `status 200, max_ms 1000`).
    public var threshold: String
    public var verdict: Verdict
    /// Why it failed or was inconclusive, in words (`HTTP 503`, `no data`, `3 series`); nil when it passed.
    public var detail: String?

    public init(
        stage: Int, batch: Int, metric: String, host: String? = nil, round: Int, value: Double?, unit: String? = nil,
        threshold: String, verdict: Verdict, detail: String? = nil
    ) {
        self.stage = stage
        self.batch = batch
        self.metric = metric
        self.host = host
        self.round = round
        self.value = value
        self.unit = unit
        self.threshold = threshold
        self.verdict = verdict
        self.detail = detail
    }

    /// The value as people read it: `0.12`, `1204 ms`, or what was found instead (`no data`).
    public var shownValue: String {
        guard let value else { return detail ?? "no value" }
        if let unit { return "\(Metric.number(value.rounded())) \(unit)" }
        return Metric.number(value)
    }

    /// One line: `error rate 0.01 within max 0.05 (pass)`, `health latency on host003: 1204 ms > max_ms 1000 (fail,
    /// measurement 2)`, `error rate: no data (inconclusive)`.
    public var sentence: String {
        let subject = host.map { "\(metric) on \($0)" } ?? metric
        let round = self.round > 1 ? ", measurement \(self.round)" : ""
        switch verdict {
        case .pass: return "\(subject) \(shownValue) within \(threshold) (pass\(round))"
        case .fail: return "\(subject): \(detail ?? shownValue) (fail\(round))"
        case .inconclusive: return "\(subject): \(detail ?? "no value") (inconclusive\(round))"
        }
    }
}
