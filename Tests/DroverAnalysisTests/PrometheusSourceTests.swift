import DroverModel
import DroverTestSupport
import Foundation
import Testing

@testable import DroverAnalysis

/// `PrometheusSource` against the real Prometheus `Scripts/test` starts (`DROVER_PROMETHEUS_URL`), which scrapes
/// port 9100 of the 24 testbed addresses every second: `up` has a series for each of them whether or not anything
/// listens there, so these queries need no demo service.
@Suite struct PrometheusSourceTests {
    /// The server's URL; the test fails (never skips) without it.
    static func server() throws -> String {
        let url = ProcessInfo.processInfo.environment["DROVER_PROMETHEUS_URL"]
        return try #require(url, "DROVER_PROMETHEUS_URL is not set: run the tests with Scripts/test (it starts Prometheus)")
    }

    @Test func aScalarAndOneSeriesAreNumbers() async throws {
        let source = PrometheusSource()
        #expect(await source.query("scalar(vector(0.25))", at: try Self.server()) == .value(0.25))
        #expect(await source.query("vector(7)", at: try Self.server()) == .value(7))
        #expect(await source.observe(.prometheus(server: try Self.server(), query: "0/0")) != .value(0))
    }

    @Test func noDataSeveralSeriesAndNaNAreInconclusive() async throws {
        let source = PrometheusSource()
        let server = try Self.server()
        #expect(await source.observe(.prometheus(server: server, query: #"up{job="no such job"}"#)) == .inconclusive("no data"))
        // Every target has an `up` series once scraped; wait (bounded) for the first scrapes of a fresh Prometheus.
        let scraped = try await eventually(within: .seconds(10), every: .milliseconds(200)) {
            await source.query("count(up)", at: server) == .value(24)
        }
        #expect(scraped)
        #expect(await source.observe(.prometheus(server: server, query: "up")) == .inconclusive("24 series, expected one"))
        let nan = await source.observe(.prometheus(server: server, query: "0/0"))
        #expect(nan == .value(.nan) || { if case .value(let value) = nan { return value.isNaN } else { return false } }())
        let metric = Metric(
            name: "ratio", source: .prometheus(url: Template(literal: server), query: Template(literal: "0/0")), max: 1)
        #expect(AnalysisEvaluator.judge(metric, nan).verdict == .inconclusive)
        #expect(
            await source.query("up[1m]", at: server)
                == .unusable("a matrix, not one number (use an instant vector or scalar)"))
    }

    @Test func badPromQLIsRejectedWithPrometheussOwnError() async throws {
        let answer = await PrometheusSource().query("sum(rate(up[5]))", at: try Self.server())
        guard case .rejected(let error) = answer else {
            Issue.record("expected a rejection, got \(answer)")
            return
        }
        #expect(error.contains("parse error"), "\(error)")
    }

    @Test func anUnreachableServerIsInconclusive() async throws {
        let answer = await PrometheusSource().observe(.prometheus(server: "http://127.0.0.1:1", query: "up"))
        #expect(answer == .inconclusive("Prometheus unreachable: could not connect (refused or unreachable)"))
    }
}
