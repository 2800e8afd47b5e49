public import DroverHTTP
import Foundation

/// Instant queries over Prometheus's HTTP API (`GET /api/v1/query`): one series' number, or why there is none.
public struct PrometheusSource: MetricSource {
    public var transport: any HTTPTransport
    /// How long one query may take.
    public var timeout: Duration

    public init(transport: any HTTPTransport = SharedHTTPTransport(), timeout: Duration = .seconds(10)) {
        self.transport = transport
        self.timeout = timeout
    }

    /// What one query answered.
    public enum Answer: Sendable, Hashable {
        case value(Double)
        /// The server refused the query itself (bad PromQL): its own error text.
        case rejected(String)
        /// No single number: no data, several series, a range, an error status, no answer.
        case unusable(String)
    }

    public func observe(_ probe: MetricProbe) async -> Observation {
        guard case .prometheus(let server, let text) = probe else { return .inconclusive("not a Prometheus query") }
        switch await query(text, at: server) {
        case .value(let value): return .value(value)
        case .rejected(let error): return .inconclusive("query rejected: \(error)")
        case .unusable(let why): return .inconclusive(why)
        }
    }

    /// Sends `query` to the server at `server` (its base URL, `http://127.0.0.1:9090`).
    public func query(_ query: String, at server: String) async -> Answer {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&+=;#")
        let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed) ?? query
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(url: "\(base)/api/v1/query?query=\(encoded)", headers: [("Accept", "application/json")],
                    timeout: timeout))
        } catch {
            return .unusable("Prometheus unreachable: \(error.message)")
        }
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        guard let object else {
            return .unusable("Prometheus answered HTTP \(response.status) without a JSON body")
        }
        if object["status"] as? String != "success" {
            let error = (object["error"] as? String) ?? "no error text"
            // 400 bad_data is the query's own fault; 422 and 503 (execution, timeout) may pass next time.
            if response.status == 400 || object["errorType"] as? String == "bad_data" { return .rejected(error) }
            return .unusable("Prometheus answered HTTP \(response.status): \(error)")
        }
        guard let data = object["data"] as? [String: Any], let type = data["resultType"] as? String else {
            return .unusable("Prometheus answered without a result")
        }
        switch type {
        case "scalar":
            return Self.number(data["result"])
        case "vector":
            let series = data["result"] as? [[String: Any]] ?? []
            if series.isEmpty { return .unusable("no data") }
            if series.count > 1 { return .unusable("\(series.count) series, expected one") }
            return Self.number(series[0]["value"])
        default:
            return .unusable("a \(type), not one number (use an instant vector or scalar)")
        }
    }

    /// `[timestamp, "0.12"]` as its number (`"NaN"`, `"+Inf"` included).
    private static func number(_ pair: Any?) -> Answer {
        guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String else {
            return .unusable("Prometheus answered a value that is not a number")
        }
        switch text {
        case "NaN": return .value(.nan)
        case "+Inf": return .value(.infinity)
        case "-Inf": return .value(-.infinity)
        default: return Double(text).map { .value($0) } ?? .unusable("'\(text)' is not a number")
        }
    }
}
