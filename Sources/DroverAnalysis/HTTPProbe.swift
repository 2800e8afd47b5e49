public import DroverHTTP

/// `http` metrics: a GET from the controller, timed; its status, time and whether the body held the text.
public struct HTTPProbe: MetricSource {
    public var transport: any HTTPTransport

    public init(transport: any HTTPTransport = SharedHTTPTransport()) {
        self.transport = transport
    }

    public func observe(_ probe: MetricProbe) async -> Observation {
        guard case .http(let url, let timeout, let body) = probe else { return .inconclusive("not an HTTP probe") }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await transport.send(HTTPRequest(url: url, timeout: timeout))
            let elapsed = clock.now - start
            let milliseconds = Double(elapsed.components.seconds) * 1000
                + Double(elapsed.components.attoseconds) / 1e15
            let matched = body.map { String(decoding: response.body, as: UTF8.self).contains($0) }
            return .response(status: response.status, milliseconds: milliseconds, bodyMatched: matched)
        } catch {
            return .noAnswer("no answer: \(error.message)")
        }
    }
}
