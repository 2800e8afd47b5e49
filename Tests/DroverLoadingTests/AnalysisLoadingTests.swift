import DroverModel
import Testing

@testable import DroverLoading

/// A stage's `analysis:`, `on_halt`, `pause_timeout`, `on_pause_timeout` and `pause:` (SPEC section 10): what loads,
/// and the exact `file:line:col: message` of what does not.
@Suite struct AnalysisLoadingTests {
    /// A one-stage playbook with `extra` (indented as stage keys) before its steps.
    static func playbook(_ extra: String) -> String {
        """
        name: Example
        stages:
          - name: Update
            hosts: app
        \(extra)
            steps:
              - run: uptime

        """
    }

    @Test func theSpecExampleLoads() throws {
        let loaded = try loadPlaybook(
            Self.playbook(
                """
                    analysis:
                      duration: 5m
                      interval: 30s
                      failure_limit: 2
                      metrics:
                        - name: error rate
                          prometheus:
                            url: http://127.0.0.1:9090
                            query: sum(rate(http_requests_total{code=~"5..",instance=~"{{ batch.regex }}"}[1m]))
                          max: 0.05
                          inconclusive: pause
                        - name: health latency
                          http: { url: "http://{{ host.address }}:8080/health", status: 200, max_ms: 1000 }
                    on_halt: pause
                    pause_timeout: 30m
                    on_pause_timeout: rollback
                    pause: { prompt: Look at the canary dashboards, timeout: 15m, on_timeout: continue, when: batch.index == 1 }
                """))
        let stage = loaded.playbook.stages[0]
        let analysis = try #require(stage.analysis)
        #expect(analysis.duration == .seconds(300) && analysis.interval == .seconds(30) && analysis.failureLimit == 2)
        #expect(analysis.measurementCount == 11)
        #expect(analysis.metrics.map(\.name) == ["error rate", "health latency"])
        #expect(analysis.metrics[0].max == 0.05 && analysis.metrics[0].min == nil)
        #expect(analysis.metrics[0].inconclusive == .pause)
        guard case .prometheus(let url, let query) = analysis.metrics[0].source else {
            Issue.record("not a prometheus metric")
            return
        }
        #expect(url.source == "http://127.0.0.1:9090" && query.lookups == ["batch.regex"])
        #expect(
            analysis.metrics[1].source
                == .http(
                    url: Template("http://{{ host.address }}:8080/health")!, status: 200, maxMs: 1000,
                    bodyContains: nil))
        #expect(analysis.metrics[1].threshold == "status 200, max_ms 1000")
        #expect(stage.onHalt == .pause && stage.pauseTimeout == .seconds(1800))
        let pause = try #require(stage.pause)
        #expect(pause.prompt == "Look at the canary dashboards" && pause.timeout == .seconds(900))
        #expect(pause.onTimeout == .continue && pause.when != nil)
    }

    @Test func defaultsAreOneMeasurementAndRollback() throws {
        let loaded = try loadPlaybook(
            Self.playbook(
                """
                    analysis:
                      metrics:
                        - { name: up, prometheus: { url: "http://127.0.0.1:9090", query: "up" }, min: 1 }
                """))
        let stage = loaded.playbook.stages[0]
        #expect(stage.analysis?.measurementCount == 1 && stage.analysis?.failureLimit == 1)
        #expect(stage.analysis?.metrics[0].inconclusive == .halt)
        #expect(stage.onHalt == .rollback && stage.pauseTimeout == Stage.defaultPauseTimeout && stage.pause == nil)
    }

    @Test func hostSideHTTPCheckTakesMaxMs() throws {
        let loaded = try loadPlaybook(
            Self.playbook("").replacingOccurrences(
                of: "- run: uptime", with: "- check: { http: { url: \"http://127.0.0.1/\", max_ms: 250 } }"))
        #expect(
            loaded.playbook.stages[0].steps[0].action
                == .check(.http(url: Template(literal: "http://127.0.0.1/"), status: 200, body: nil, maxMs: 250)))
    }

    static let metric = "        - { name: up, prometheus: { url: \"http://127.0.0.1:9090\", query: up }, min: 1 }"

    @Test(arguments: [
        (playbook("    analysis:\n      metrics: []"), "play.yml:6:16: analysis must list at least one metric"),
        (playbook("    analysis:\n      durration: 5m\n      metrics:\n\(metric)"),
         "play.yml:6:7: unknown key 'durration' in analysis; did you mean 'duration'?"),
        (playbook("    analysis:\n      failure_limit: 3\n      metrics:\n\(metric)"),
         "play.yml:6:22: failure_limit is 3 but the analysis takes only 1 measurement (duration / interval + 1), "
            + "so no metric could ever halt the stage"),
        (playbook("    analysis:\n      interval: 0s\n      duration: 1m\n      metrics:\n\(metric)"),
         "play.yml:6:17: analysis interval must be more than 0s, found '0s'"),
        (playbook("    analysis:\n      metrics:\n        - { name: up, prometheus: { url: x, query: up } }"),
         "play.yml:7:42: the Prometheus url must start with http:// or https://, found 'x'"),
        (playbook("    analysis:\n      metrics:\n        - { name: up, prometheus: { url: \"http://p\", query: up } }"),
         "play.yml:7:11: metric 'up' needs max or min (or both): the bounds its value must stay within"),
        (playbook("    analysis:\n      metrics:\n        - { name: up, prometheus: { url: \"http://p\", query: up }, min: 2, max: 1 }"),
         "play.yml:7:72: metric 'up' has min 2 above max 1; no value could pass"),
        (playbook("    analysis:\n      metrics:\n        - { name: up, http: { url: \"http://p\" }, max: 1 }"),
         "play.yml:7:50: max applies to prometheus metrics; an http metric is bounded by max_ms (its response time)"),
        (playbook("    analysis:\n      metrics:\n        - { name: up, http: { url: \"http://p\", max_ms: 0 } }"),
         "play.yml:7:56: max_ms must be from 1 to 3600000, found 0"),
        (playbook("    analysis:\n      metrics:\n        - { name: up }"), "play.yml:7:11: metric 'up' needs prometheus or http"),
        (playbook("    analysis:\n      metrics:\n\(metric)\n\(metric)"),
         "play.yml:8:11: the metric name 'up' is already used on line 7; metric names must be unique within a stage"),
        (playbook("    analysis:\n      metrics:\n        - { name: up, prometheus: { url: \"http://p\", query: up }, max: 1, inconclusive: skip }"),
         "play.yml:7:89: unknown value 'skip' in inconclusive; expected one of: halt, pause, ignore"),
        (playbook("    on_halt: wait"), "play.yml:5:14: unknown value 'wait' in on_halt; expected one of: rollback, pause"),
        (playbook("    on_pause_timeout: continue"),
         "play.yml:5:23: on_pause_timeout cannot be continue: going on past a halt needs a person's decision "
            + "(drover decide RUN continue); an unanswered halt rolls back"),
        (playbook("    pause_timeout: 0s"), "play.yml:5:20: pause_timeout must be more than 0s, found '0s'"),
        (playbook("    pause: { timeout: 5m }"), "play.yml:5:12: missing key 'prompt' in pause"),
        (playbook("    pause: { prompt: ok?, on_timeout: proceed }"),
         "play.yml:5:39: unknown value 'proceed' in on_timeout; expected one of: rollback, continue"),
        (playbook("").replacingOccurrences(of: "- run: uptime", with: "- pause: { prompt: ok? }"),
         "play.yml:7:9: pause is written on the stage, beside steps (pause: { prompt: …, timeout: 15m }): "
            + "it stops the run after each batch, not on one host"),
    ])
    func badAnalysisGetsItsMessage(text: String, expected: String) {
        #expect(playbookErrors(text) == [expected])
    }

    /// `batch.regex` is a builtin in metrics only; a misspelt lookup in a query is placed at its column.
    @Test func validatorKnowsBatchRegexInMetricsOnly() throws {
        let inventory = try loadInventory("[app]\napp01.test\napp02.test\n")
        let text = Self.playbook(
            """
                analysis:
                  metrics:
                    - name: errors
                      prometheus: { url: "http://127.0.0.1:9090", query: "up{instance=~'{{ batch.regex }}'} + {{ batch.regx }}" }
                      max: 1
            """
        ).replacingOccurrences(of: "- run: uptime", with: "- run: echo {{ batch.regex }}")
        let loaded = try loadPlaybook(text)
        let errors = PlaybookValidator(inventory: inventory).validate(loaded).map(\.description)
        #expect(
            errors == [
                "play.yml:8:99: unknown template variable 'batch.regx' in stage 'Update'; did you mean 'batch.regex'?",
                "play.yml:11:19: unknown template variable 'batch.regex' in stage 'Update'; did you mean 'batch.index'?",
            ])
    }
}
