/// Where an analysis gets its observations: a Prometheus server, or the hosts themselves over HTTP. The gate renders
/// a metric's templates and asks; the source only talks to the network, and the evaluator judges what came back.
public protocol MetricSource: Sendable {
    /// One observation of `probe`; never throws: whatever went wrong is an `Observation` saying so.
    func observe(_ probe: MetricProbe) async -> Observation
}

/// One measurement to take, its templates already rendered.
public enum MetricProbe: Sendable, Hashable {
    /// An instant query to the Prometheus server at `server` (its base URL).
    case prometheus(server: String, query: String)
    /// A GET of `url` from the controller, waiting at most `timeout`; `bodyContains` is looked for in the answer.
    case http(url: String, timeout: Duration, bodyContains: String?)
}
