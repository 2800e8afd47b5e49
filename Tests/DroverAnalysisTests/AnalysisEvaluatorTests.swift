import DroverEngine
import DroverModel
import Testing

@testable import DroverAnalysis

/// The pure part of an analysis: verdicts, consecutive failures, inconclusive handling and the sentences.
@Suite struct AnalysisEvaluatorTests {
    static let errorRate = Metric(
        name: "error rate",
        source: .prometheus(url: Template(literal: "http://p"), query: Template(literal: "q")), max: 0.05)
    static let healthy = Metric(
        name: "healthy", source: .prometheus(url: Template(literal: "http://p"), query: Template(literal: "q")),
        min: 1, inconclusive: .pause)
    static let latency = Metric(
        name: "health latency", source: .http(url: Template(literal: "http://h/"), status: 200, maxMs: 1000, bodyContains: "ok"),
        inconclusive: .ignore)

    @Test(arguments: [
        (errorRate, Observation.value(0.01), Measurement.Verdict.pass, 0.01 as Double?, nil as String?),
        (errorRate, .value(0.05), .pass, 0.05, nil),
        (errorRate, .value(0.12), .fail, 0.12, "0.12 > max 0.05"),
        (errorRate, .value(.nan), .inconclusive, nil, "NaN"),
        (errorRate, .value(.infinity), .fail, .infinity, "inf > max 0.05"),
        (errorRate, .inconclusive("no data"), .inconclusive, nil, "no data"),
        (healthy, .value(0), .fail, 0, "0 < min 1"),
        (latency, .response(status: 200, milliseconds: 84.4, bodyMatched: true), .pass, 84.4, nil),
        (latency, .response(status: 200, milliseconds: 1204.2, bodyMatched: true), .fail, 1204.2, "1204 ms > max_ms 1000"),
        (latency, .response(status: 503, milliseconds: 3, bodyMatched: false), .fail, 3, "HTTP 503, expected 200"),
        (latency, .response(status: 200, milliseconds: 3, bodyMatched: false), .fail, 3, "the body does not contain 'ok'"),
        (latency, .noAnswer("no answer: could not connect"), .fail, nil, "no answer: could not connect"),
    ])
    func judgesOneObservation(
        metric: Metric, observation: Observation, verdict: Measurement.Verdict, value: Double?, detail: String?
    ) {
        let judged = AnalysisEvaluator.judge(metric, observation)
        #expect(judged.verdict == verdict && judged.value == value && judged.detail == detail)
    }

    /// Feeds `observations` of `metric` (one a round) to an evaluator with `failureLimit`; the outcome and at which
    /// round it came.
    static func run(
        _ metric: Metric, failureLimit: Int, _ observations: [Observation], host: String? = nil
    ) -> (AnalysisEvaluator.Outcome?, Int?) {
        var evaluator = AnalysisEvaluator(
            analysis: Analysis(duration: .seconds(60), interval: .seconds(10), failureLimit: failureLimit, metrics: [metric]))
        for (index, observation) in observations.enumerated() {
            let judged = AnalysisEvaluator.judge(metric, observation)
            let measurement = Measurement(
                stage: 0, batch: 0, metric: metric.name, host: host, round: index + 1, value: judged.value,
                unit: host == nil ? nil : "ms", threshold: metric.threshold, verdict: judged.verdict, detail: judged.detail)
            if let outcome = evaluator.add(measurement, of: metric) { return (outcome, index + 1) }
        }
        return (nil, nil)
    }

    @Test(arguments: [
        // One failure halts at failure_limit 1, with the value and the bound.
        (errorRate, 1, [Observation.value(0.12)], AnalysisEvaluator.Outcome?.some(.halt("error rate 0.12 > max 0.05")), 1 as Int?),
        // Two in a row at failure_limit 2; a pass between ends the streak.
        (errorRate, 2, [.value(0.12), .value(0.09)], .halt("error rate 0.12, 0.09 > max 0.05 for 2 consecutive measurements"), 2),
        (errorRate, 2, [.value(0.12), .value(0.01), .value(0.09), .value(0.01)], nil, nil),
        (errorRate, 2, [.value(0.01), .value(0.2), .value(0.3)], .halt("error rate 0.2, 0.3 > max 0.05 for 2 consecutive measurements"), 3),
        // inconclusive: halt (the default) counts as a failure.
        (errorRate, 2, [.inconclusive("no data"), .value(0.5)], .halt("error rate: no data; 0.5 > max 0.05 for 2 consecutive measurements"), 2),
        (errorRate, 1, [.inconclusive("Prometheus unreachable: could not connect")],
         .halt("error rate: Prometheus unreachable: could not connect (inconclusive)"), 1),
        // inconclusive: pause pauses when only inconclusive values reached the limit, halts when a failure is among them.
        (healthy, 2, [.inconclusive("no data"), .inconclusive("3 series, expected one")],
         .pause("healthy: no data, 3 series, expected one (inconclusive) for 2 consecutive measurements"), 2),
        (healthy, 2, [.inconclusive("no data"), .value(0)], .halt("healthy: no data; 0 < min 1 for 2 consecutive measurements"), 2),
    ])
    func countsConsecutiveFailures(
        metric: Metric, limit: Int, observations: [Observation], outcome: AnalysisEvaluator.Outcome?, round: Int?
    ) {
        let result = Self.run(metric, failureLimit: limit, observations)
        #expect(result.0 == outcome && result.1 == round)
    }

    @Test func ignoredInconclusiveValuesNeitherCountNorEndAStreak() {
        let result = Self.run(
            Self.latency, failureLimit: 2,
            [.response(status: 200, milliseconds: 1500, bodyMatched: true), .inconclusive("x"),
             .response(status: 200, milliseconds: 1204, bodyMatched: true)], host: "host003")
        #expect(result.0 == .halt("health latency on host003 1500 ms, 1204 ms > max_ms 1000 for 2 consecutive measurements"))
        #expect(result.1 == 3)
    }

    @Test func streaksArePerHostForHTTPMetrics() {
        var evaluator = AnalysisEvaluator(
            analysis: Analysis(duration: .seconds(20), interval: .seconds(10), failureLimit: 2, metrics: [Self.latency]))
        func add(_ host: String, _ milliseconds: Double, round: Int) -> AnalysisEvaluator.Outcome? {
            let judged = AnalysisEvaluator.judge(Self.latency, .response(status: 200, milliseconds: milliseconds, bodyMatched: true))
            return evaluator.add(
                Measurement(
                    stage: 0, batch: 0, metric: "health latency", host: host, round: round, value: judged.value, unit: "ms",
                    threshold: Self.latency.threshold, verdict: judged.verdict, detail: judged.detail),
                of: Self.latency)
        }
        #expect(add("a", 2000, round: 1) == nil)
        #expect(add("b", 10, round: 1) == nil)
        #expect(add("a", 10, round: 2) == nil)
        #expect(add("b", 2000, round: 2) == nil)  // a's streak ended, b's began: no host failed twice in a row
        #expect(add("b", 3000, round: 3) == .halt("health latency on b 2000 ms, 3000 ms > max_ms 1000 for 2 consecutive measurements"))
    }

    @Test func aPassingAnalysisSaysWhatItSaw() {
        var evaluator = AnalysisEvaluator(analysis: Analysis(metrics: [Self.errorRate, Self.latency]))
        _ = evaluator.add(
            Measurement(stage: 0, batch: 0, metric: "error rate", round: 1, value: 0.01, threshold: "max 0.05", verdict: .pass),
            of: Self.errorRate)
        for (host, value) in [("a", 12.0), ("b", 84.4)] {
            _ = evaluator.add(
                Measurement(
                    stage: 0, batch: 0, metric: "health latency", host: host, round: 1, value: value, unit: "ms",
                    threshold: Self.latency.threshold, verdict: .pass),
                of: Self.latency)
        }
        #expect(
            evaluator.passed()
                == "analysis passed: error rate 0.01 (max 0.05); health latency at most 84 ms (status 200, max_ms 1000, "
                + "body contains 'ok') — 1 measurement")
    }

    @Test func measurementCountFollowsDurationAndInterval() {
        #expect(Analysis(metrics: []).measurementCount == 1)
        #expect(Analysis(duration: .seconds(300), interval: .seconds(30), metrics: []).measurementCount == 11)
        #expect(Analysis(duration: .seconds(45), interval: .seconds(30), metrics: []).measurementCount == 2)
    }

    @Test func batchRegexIsEscapedForRE2AndForAPromQLString() {
        let hosts = [
            Host(name: "web-1.example", connection: ConnectionSettings(address: "10.0.0.1", port: 22, user: "u"), groups: [], vars: [:]),
            Host(name: "web-2", connection: ConnectionSettings(address: "web-2", port: 22, user: "u"), groups: [], vars: [:]),
        ]
        #expect(
            TemplateContext.batchRegex(hosts)
                == #"^(?:web-1\\.example|10\\.0\\.0\\.1|web-2)(?::[0-9]+)?$"#)
    }
}
