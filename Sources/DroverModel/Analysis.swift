/// A stage's `analysis:` (SPEC section 10): metrics measured after each batch's steps, before the batch goes back
/// into service and before the next batch starts, every `interval` for `duration` (0: once).
///
/// A metric that fails `failureLimit` measurements in a row halts the stage (the loader refuses a limit above the
/// analysis's measurement count, which could never be reached). What an *inconclusive* measurement does (no data,
/// NaN, several series, an error answer or an unreachable server) is the metric's `inconclusive`.
public struct Analysis: Sendable, Hashable, Codable {
    /// How long the batch is watched after its steps; zero: one measurement.
    public var duration: Duration
    /// Time between measurements.
    public var interval: Duration
    /// Time before the first measurement (metrics settle after a release: a `rate()` over a minute needs it).
    public var initialDelay: Duration
    /// Consecutive failing measurements of one metric that halt the stage.
    public var failureLimit: Int
    public var metrics: [Metric]

    public static let defaultInterval: Duration = .seconds(30)

    public init(
        duration: Duration = .zero, interval: Duration = Analysis.defaultInterval, initialDelay: Duration = .zero,
        failureLimit: Int = 1, metrics: [Metric]
    ) {
        self.duration = duration
        self.interval = interval
        self.initialDelay = initialDelay
        self.failureLimit = max(1, failureLimit)
        self.metrics = metrics
    }

    /// How many measurements one analysis takes: one at its start, then one every `interval` until `duration`.
    public var measurementCount: Int {
        guard duration > .zero, interval > .zero else { return 1 }
        return Int(duration / interval) + 1
    }
}

/// One metric of an analysis: where its value comes from and the bounds it must stay within.
public struct Metric: Sendable, Hashable, Codable {
    /// Where a measurement comes from.
    public enum Source: Sendable, Hashable, Codable {
        /// An instant query over Prometheus's HTTP API (`/api/v1/query`) at `url`; it must answer one number.
        case prometheus(url: Template, query: Template)
        /// A GET from the controller to each host of the batch; its value is the response time in milliseconds.
        case http(url: Template, status: Int, maxMs: Int?, bodyContains: String?)
    }

    /// What an inconclusive measurement does.
    public enum Inconclusive: String, Sendable, Hashable, Codable, CaseIterable {
        /// Counts as a failure (the default: a gate that cannot see must not say yes).
        case halt
        /// Counts towards the limit like a failure, but a limit reached by inconclusive measurements alone pauses
        /// the run for a person instead of halting it.
        case pause
        /// Not counted: as if it had not been taken.
        case ignore
    }

    public var name: String
    public var source: Source
    /// The value must not be above this (Prometheus metrics).
    public var max: Double?
    /// The value must not be below this (Prometheus metrics).
    public var min: Double?
    public var inconclusive: Inconclusive

    public init(
        name: String, source: Source, max: Double? = nil, min: Double? = nil, inconclusive: Inconclusive = .halt
    ) {
        self.name = name
        self.source = source
        self.max = max
        self.min = min
        self.inconclusive = inconclusive
    }

    /// The bounds in words: `max 0.05`, `min 10, max 20`, `status 200, max_ms 1000`.
    public var threshold: String {
        switch source {
        case .prometheus:
            return [min.map { "min \(Self.number($0))" }, max.map { "max \(Self.number($0))" }].compactMap { $0 }
                .joined(separator: ", ")
        case .http(_, let status, let maxMs, let body):
            var parts = ["status \(status)"]
            if let maxMs { parts.append("max_ms \(maxMs)") }
            if let body { parts.append("body contains '\(body)'") }
            return parts.joined(separator: ", ")
        }
    }

    /// A number as people read it in decisions: `0.05`, `1000`, `0.1235` (at most four decimals).
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let scaled = (value * 10_000).rounded() / 10_000
        if scaled == 0 { return String(value) }
        var text = String(scaled)
        if text.contains("e") { return String(value) }
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

/// A stage's `pause:` step: the run stops after each batch (its `after_batch` included) for a person's go-ahead
/// before the next batch (a canary look); no answer within `timeout` takes `onTimeout`.
public struct PauseStep: Sendable, Hashable, Codable {
    /// What an unanswered pause step does.
    public enum OnTimeout: String, Sendable, Hashable, Codable, CaseIterable {
        case rollback
        case `continue`
    }

    public var name: String
    /// The question the person is asked.
    public var prompt: String
    /// How long the run waits; nil: the stage's `pause_timeout`.
    public var timeout: Duration?
    public var onTimeout: OnTimeout
    /// Pause only after the batches where this holds (tested with the batch's first host: `batch.index == 1`).
    public var when: Condition?

    public init(
        name: String? = nil, prompt: String, timeout: Duration? = nil, onTimeout: OnTimeout = .rollback,
        when: Condition? = nil
    ) {
        self.name = name ?? "pause: \(prompt)"
        self.prompt = prompt
        self.timeout = timeout
        self.onTimeout = onTimeout
        self.when = when
    }
}
