import DroverAnalysis
import DroverTestSupport
import Foundation
import Testing

/// Analysis gates end to end (SPEC section 10): `drover run` over the real testbed, with the demo metrics endpoint
/// (`Playbooks/files/demo-metrics.py`) on the hosts and the real Prometheus `Scripts/test` starts scraping it every
/// second. Serialized: the endpoint's values are per host, and these tests change them.
@Suite("analysis gates", .serialized, .timeLimit(.minutes(3)))
struct AnalysisGateTests {
    static let binary = Testbed.repositoryRoot + "/.build/debug/drover"
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "drover-analysis-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Prometheus's URL; the test fails (never skips) without it.
    static func prometheus() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["DROVER_PROMETHEUS_URL"],
            "DROVER_PROMETHEUS_URL is not set: run the tests with Scripts/test (it starts Prometheus)")
    }

    /// A playbook over `hosts` (2 a batch): the demo endpoint started and healthy, then a release that sets
    /// `setting` to `value` on each host (exiting 0), with `analysis` (stage keys) and a rollback that restores it.
    func playbook(hosts: [String], setting: String, value: String, analysis: String) throws -> String {
        let path = directory + "/play.yml"
        try """
        name: Analysis rollout
        change: { type: routine, estimate: 5m }
        vars:
          state: /srv/host/demo-metrics
          tool: /srv/host/demo-metrics.py
          prometheus: \(try Self.prometheus())
        stages:
          - name: Demo service up and healthy
            hosts: \(hosts.joined(separator: ":"))
            steps:
              - upload: { src: \(Testbed.repositoryRoot)/Playbooks/files/demo-metrics.py, dest: /srv/host/demo-metrics.py, mode: "0755" }
              - run: "{{ tool }} start {{ host.address }} 9100 {{ state }}"
              - run: "{{ tool }} set {{ state }} error_ratio 0 && {{ tool }} set {{ state }} latency_ms 5"
          - name: Roll out the release
            hosts: \(hosts.joined(separator: ":"))
            serial: 2
        \(analysis)
            steps:
              - run: "echo new > {{ state }}/release && {{ tool }} set {{ state }} \(setting) \(value)"
            rollback:
              - run: "echo old > {{ state }}/release && {{ tool }} set {{ state }} \(setting) \(setting == "latency_ms" ? "5" : "0")"

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(
            Self.binary, arguments, environment: ["DROVER_HOME": directory + "/home"], timeout: .seconds(120))
    }

    /// Starts the demo service on testbed hosts `indices` (kept if already serving, error ratio 0) and waits,
    /// bounded, until Prometheus has scraped it on each: on a fresh Prometheus a run whose first stage starts the
    /// service can measure before the first scrape, and that measurement is "no data", which a test's expected
    /// values cannot count on.
    static func demoServiceScraped(_ indices: [Int], in directory: String) async throws {
        let hosts = indices.map(Testbed.name).joined(separator: ":")
        let path = directory + "/demo-service-up.yml"
        try """
        name: Demo service up
        stages:
          - name: Demo service up and healthy
            hosts: \(hosts)
            steps:
              - upload: { src: \(Testbed.repositoryRoot)/Playbooks/files/demo-metrics.py, dest: /srv/host/demo-metrics.py, mode: "0755" }
              - run: "/srv/host/demo-metrics.py start {{ host.address }} 9100 /srv/host/demo-metrics"
              - run: "/srv/host/demo-metrics.py set /srv/host/demo-metrics error_ratio 0"

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let started = try await Subprocess.run(
            binary, ["run", path, "-i", Testbed.inventoryPath, "--yes"],
            environment: ["DROVER_HOME": directory + "/home"], timeout: .seconds(60))
        try #require(started.status == 0, "\(started.stderr)")
        let server = try prometheus()
        let instances = indices.map { Testbed.address($0) + ":9100" }.joined(separator: "|")
        let scraped = try await eventually(within: .seconds(15), every: .milliseconds(200)) {
            await PrometheusSource().query(#"count(demo_error_ratio{instance=~"\#(instances)"} == 0)"#, at: server)
                == .value(Double(indices.count))
        }
        try #require(scraped, "Prometheus never scraped the demo service on \(hosts)")
    }

    static func events(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The hosts that started a step of stage `stage` (1-based).
    static func started(_ events: [[String: Any]], stage: Int) -> Set<String> {
        Set(events.filter { $0["event"] as? String == "step_started" && $0["stage"] as? Int == stage }
            .compactMap { $0["host"] as? String })
    }

    @Test func aReleaseThatExitsZeroButRaisesErrorsIsHaltedAfterTheFirstBatchAndRolledBack() async throws {
        try Testbed.ensureUp()
        try await Self.demoServiceScraped([21, 22, 23, 24], in: directory)
        let hosts = ["host021", "host022", "host023", "host024"]
        // A soak of 4 s measured every second: the first measurement may still see the value from before the
        // release (Prometheus scrapes every second), two failing in a row halt.
        let path = try playbook(
            hosts: hosts, setting: "error_ratio", value: "0.5",
            analysis: """
                    analysis:
                      duration: 4s
                      interval: 1s
                      failure_limit: 2
                      metrics:
                        - name: error rate
                          prometheus:
                            url: "{{ prometheus }}"
                            query: max(demo_error_ratio{instance=~"{{ batch.regex }}"})
                          max: 0.05
                """)
        let result = try await drover(["run", path, "-i", Testbed.inventoryPath, "--yes", "--output", "json"])
        #expect(result.status == 2, "\(result.stderr)")
        let events = Self.events(result.stdout)
        let measurements = events.filter { $0["event"] as? String == "measurement" }
        #expect(measurements.allSatisfy { $0["metric"] as? String == "error rate" && $0["batch"] as? Int == 1 })
        #expect(measurements.filter { $0["verdict"] as? String == "fail" }.count == 2)
        #expect(measurements.contains { $0["value"] as? Double == 0.5 && $0["threshold"] as? String == "max 0.05" })
        let halt = try #require(events.first { $0["event"] as? String == "decision" && $0["action"] as? String == "halt" })
        #expect(halt["rule"] as? String == "analysis")
        #expect(
            halt["reason"] as? String == "batch 1: error rate 0.5, 0.5 > max 0.05 for 2 consecutive measurements",
            "\(halt)")
        // Batch 2 never started; batch 1 was rolled back.
        #expect(Self.started(events, stage: 2) == ["host021", "host022"])
        let rolledBack = events.filter { $0["event"] as? String == "rollback_finished" && $0["succeeded"] as? Bool == true }
        #expect(Set(rolledBack.compactMap { $0["host"] as? String }) == ["host021", "host022"])
        // The maintenance log has the measurements and the halt.
        let log = try await drover(["log"])
        #expect(log.stdout.contains("batch 1 analysis: error rate: 0.5 > max 0.05 (fail, measurement "), "\(log.stdout)")
        #expect(log.stdout.contains("error rate 0.5, 0.5 > max 0.05 for 2 consecutive measurements"))
    }

    @Test func aSlowReleaseTripsMaxMsAndAHealthyOneGoesOn() async throws {
        try Testbed.ensureUp()
        let hosts = ["host021", "host022"]
        let analysis = """
                analysis:
                  metrics:
                    - name: health latency
                      http: { url: "http://{{ host.address }}:9100/health", status: 200, max_ms: 400, body_contains: ok }
            """
        let slow = try playbook(hosts: hosts, setting: "latency_ms", value: "900", analysis: analysis)
        let halted = try await drover(["run", slow, "-i", Testbed.inventoryPath, "--yes", "--output", "json"])
        #expect(halted.status == 2, "\(halted.stderr)")
        let events = Self.events(halted.stdout)
        let measurements = events.filter { $0["event"] as? String == "measurement" }
        #expect(Set(measurements.compactMap { $0["host"] as? String }) == ["host021", "host022"])
        #expect(measurements.allSatisfy { $0["verdict"] as? String == "fail" && ($0["value"] as? Double ?? 0) >= 900 })
        let halt = try #require(events.first { $0["event"] as? String == "decision" && $0["action"] as? String == "halt" })
        #expect((halt["reason"] as? String)?.contains(" ms > max_ms 400") == true, "\(halt)")

        let fast = try playbook(hosts: hosts, setting: "latency_ms", value: "5", analysis: analysis)
        let passed = try await drover(["run", fast, "-i", Testbed.inventoryPath, "--yes", "--output", "json"])
        #expect(passed.status == 0, "\(passed.stderr)")
        let decision = Self.events(passed.stdout).first { $0["event"] as? String == "decision" && $0["rule"] as? String == "analysis" }
        #expect((decision?["reason"] as? String)?.hasPrefix("batch 1: analysis passed: health latency at most") == true)
    }

    @Test func badPromQLRefusesTheRunBeforeAnyHostIsTouched() async throws {
        try Testbed.ensureUp()
        let path = try playbook(
            hosts: ["host023"], setting: "error_ratio", value: "0",
            analysis: """
                    analysis:
                      metrics:
                        - { name: errors, prometheus: { url: "{{ prometheus }}", query: "sum(rate(demo_error_ratio[5]))" }, max: 1 }
                """)
        let result = try await drover(["run", path, "-i", Testbed.inventoryPath, "--yes", "--output", "json"])
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.contains("stage 2 'Roll out the release', metric 'errors': Prometheus at "), "\(result.stderr)")
        #expect(result.stderr.contains("rejected the query: invalid parameter \"query\": 1:"), "\(result.stderr)")
        #expect(!Self.events(result.stdout).contains { $0["event"] as? String == "step_started" })
    }

    @Test func checkModeMeasuresEveryMetricOnceAndChangesNothing() async throws {
        try Testbed.ensureUp()
        let path = try playbook(
            hosts: ["host024"], setting: "error_ratio", value: "0.9",
            analysis: """
                    analysis:
                      duration: 10s
                      interval: 1s
                      metrics:
                        - { name: up, prometheus: { url: "{{ prometheus }}", query: 'up{instance=~"{{ batch.regex }}"}' }, min: 1 }
                """)
        let result = try await drover(["run", path, "-i", Testbed.inventoryPath, "--check", "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let events = Self.events(result.stdout)
        #expect(events.filter { $0["event"] as? String == "measurement" }.count == 1)
        let decision = events.first { $0["event"] as? String == "decision" && $0["rule"] as? String == "analysis" }
        #expect((decision?["reason"] as? String)?.hasPrefix("batch 1: check mode, every metric measured once") == true)
    }
}
