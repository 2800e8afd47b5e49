import DroverModel

/// A stage's `analysis:`, `on_halt`, `pause_timeout`, `on_pause_timeout` and `pause:` (SPEC section 10).
extension PlaybookReader {
    static let analysisKeys = ["duration", "interval", "initial_delay", "failure_limit", "metrics"]
    static let metricKeys = ["name", "prometheus", "http", "max", "min", "inconclusive"]
    static let prometheusKeys = ["url", "query"]
    static let httpMetricKeys = ["url", "status", "max_ms", "body_contains"]
    static let pauseKeys = ["prompt", "timeout", "on_timeout", "when"]
    /// The most metrics one analysis may have.
    static let maximumMetrics = 100
    /// The most measurements one analysis may take (`duration / interval + 1`): a soak is minutes, not a flood.
    static let maximumMeasurements = 10_000

    /// The stage's `analysis:` with the templates of its metrics (for the validator), or nil after errors.
    mutating func readAnalysis(_ node: YAMLNode, templates: inout [TemplateSite]) -> Analysis? {
        guard let mapping = node.mapping("analysis", allowed: Self.analysisKeys, errors: &errors) else { return nil }
        let durationNode = mapping["duration"]
        let soak = durationNode.flatMap { self.duration($0, "analysis duration") }
        let interval = mapping["interval"].flatMap { self.duration($0, "analysis interval", positive: true) }
        let initialDelay = mapping["initial_delay"].flatMap { self.duration($0, "initial_delay") }
        let failureLimit = mapping["failure_limit"]?.int(
            "failure_limit", in: 1...Self.maximumMeasurements, errors: &errors)
        var metrics: [Metric] = []
        var failed = false
        if let list = required(mapping, "metrics", in: "analysis"),
            let items = list.sequence("metrics", errors: &errors)
        {
            if items.isEmpty { errors.add(.invalidValue, "analysis must list at least one metric", at: list.location) }
            var names: [String: SourceLocation] = [:]
            for item in items.prefix(Self.maximumMetrics) {
                guard let metric = readMetric(item, templates: &templates) else {
                    failed = true
                    continue
                }
                if let first = names[metric.name] {
                    errors.add(
                        .duplicateName,
                        "the metric name \(MessageText.quoted(metric.name)) is already used on line \(first.line); "
                            + "metric names must be unique within a stage", at: item.location)
                    failed = true
                }
                names[metric.name] = item.location
                metrics.append(metric)
            }
            if items.count > Self.maximumMetrics {
                errors.add(
                    .limitExceeded, "analysis has more than \(Self.maximumMetrics) metrics",
                    at: items[Self.maximumMetrics].location)
            }
        } else {
            failed = true
        }
        let analysis = Analysis(
            duration: soak ?? .zero, interval: interval ?? Analysis.defaultInterval,
            initialDelay: initialDelay ?? .zero, failureLimit: failureLimit ?? 1, metrics: metrics)
        if let durationNode, soak != nil, analysis.measurementCount > Self.maximumMeasurements {
            errors.add(
                .invalidValue,
                "analysis would take \(analysis.measurementCount) measurements (duration / interval + 1); "
                    + "at most \(Self.maximumMeasurements): make interval longer", at: durationNode.location)
            failed = true
        }
        if let failureLimit, let node = mapping["failure_limit"], failureLimit > analysis.measurementCount {
            errors.add(
                .invalidValue,
                "failure_limit is \(failureLimit) but the analysis takes only \(analysis.measurementCount) "
                    + (analysis.measurementCount == 1 ? "measurement" : "measurements")
                    + " (duration / interval + 1), so no metric could ever halt the stage",
                at: node.location)
            failed = true
        }
        let partFailed = (durationNode != nil && soak == nil) || (mapping["interval"] != nil && interval == nil)
            || (mapping["initial_delay"] != nil && initialDelay == nil)
            || (mapping["failure_limit"] != nil && failureLimit == nil)
        guard !failed, !partFailed else { return nil }
        return analysis
    }

    private mutating func readMetric(_ node: YAMLNode, templates: inout [TemplateSite]) -> Metric? {
        guard let mapping = node.mapping("a metric", allowed: Self.metricKeys, errors: &errors) else { return nil }
        let name = required(mapping, "name", in: "a metric")?.string("the metric's name", errors: &errors)
        let place = name.map { "metric \(MessageText.quoted($0))" } ?? "a metric"
        let kinds = mapping.entries.filter { $0.key == "prometheus" || $0.key == "http" }
        guard let kind = kinds.first else {
            errors.add(.missingKey, "\(place) needs prometheus or http", at: mapping.location)
            return nil
        }
        if kinds.count > 1 {
            errors.add(
                .conflictingKeys, "\(place) takes prometheus or http, not both; split it into two metrics",
                at: kinds[1].keyLocation)
            return nil
        }
        let anyNumber = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        let maximum = mapping["max"]?.number("max", in: anyNumber, errors: &errors)
        let minimum = mapping["min"]?.number("min", in: anyNumber, errors: &errors)
        var inconclusive = Metric.Inconclusive.halt
        if let node = mapping["inconclusive"], let text = node.string("inconclusive", errors: &errors) {
            if let value = Metric.Inconclusive(rawValue: text) {
                inconclusive = value
            } else {
                errors.add(
                    .invalidValue,
                    Suggestion.unknown(
                        "value", text, in: "inconclusive", known: Metric.Inconclusive.allCases.map(\.rawValue)),
                    at: node.location)
                return nil
            }
        }
        func keep(_ site: TemplateSite?) -> Template? {
            if let site { templates.append(site) }
            return site?.template
        }
        let source: Metric.Source
        if kind.key == "prometheus" {
            guard let prometheus = kind.value.mapping("prometheus", allowed: Self.prometheusKeys, errors: &errors)
            else { return nil }
            let url = required(prometheus, "url", in: "prometheus").flatMap { keep(template($0, "url")) }
            let query = required(prometheus, "query", in: "prometheus").flatMap { keep(template($0, "query")) }
            if let node = prometheus["url"], let url, url.lookups.isEmpty, !Self.isHTTPURL(url.source) {
                errors.add(
                    .invalidValue, "the Prometheus url must start with http:// or https://, found \(node.shown)",
                    at: node.location)
                return nil
            }
            if mapping["max"] == nil, mapping["min"] == nil {
                errors.add(
                    .missingKey, "\(place) needs max or min (or both): the bounds its value must stay within",
                    at: mapping.location)
                return nil
            }
            if let maximum, let minimum, minimum > maximum, let node = mapping["min"] {
                errors.add(
                    .invalidValue,
                    "\(place) has min \(Metric.number(minimum)) above max \(Metric.number(maximum)); "
                        + "no value could pass",
                    at: node.location)
                return nil
            }
            guard let url, let query else { return nil }
            source = .prometheus(url: url, query: query)
        } else {
            guard let http = kind.value.mapping("http", allowed: Self.httpMetricKeys, errors: &errors) else {
                return nil
            }
            let url = required(http, "url", in: "http").flatMap { keep(template($0, "url")) }
            let status = http["status"]?.int("status", in: 100...599, errors: &errors)
            let maxMs = http["max_ms"]?.int("max_ms", in: 1...3_600_000, errors: &errors)
            let body = http["body_contains"]?.string("body_contains", errors: &errors)
            for key in ["max", "min"] {
                if let location = mapping.keyLocation(key) {
                    errors.add(
                        .invalidValue,
                        "\(key) applies to prometheus metrics; an http metric is bounded by max_ms (its response time)",
                        at: location)
                    return nil
                }
            }
            guard let url, http["status"] == nil || status != nil, http["max_ms"] == nil || maxMs != nil,
                http["body_contains"] == nil || body != nil
            else { return nil }
            source = .http(url: url, status: status ?? 200, maxMs: maxMs, bodyContains: body)
        }
        guard let name, mapping["max"] == nil || maximum != nil, mapping["min"] == nil || minimum != nil else {
            return nil
        }
        return Metric(name: name, source: source, max: maximum, min: minimum, inconclusive: inconclusive)
    }

    /// `on_halt: rollback|pause`.
    mutating func readOnHalt(_ node: YAMLNode) -> Stage.OnHalt? {
        guard let text = node.string("on_halt", errors: &errors) else { return nil }
        if let value = Stage.OnHalt(rawValue: text) { return value }
        errors.add(
            .invalidValue,
            Suggestion.unknown("value", text, in: "on_halt", known: Stage.OnHalt.allCases.map(\.rawValue)),
            at: node.location)
        return nil
    }

    /// `on_pause_timeout: rollback`, the only answer an unanswered halt may take: nobody accepted the failures.
    mutating func readOnPauseTimeout(_ node: YAMLNode) {
        guard let text = node.string("on_pause_timeout", errors: &errors), text != "rollback" else { return }
        if text == "continue" {
            errors.add(
                .invalidValue,
                "on_pause_timeout cannot be continue: going on past a halt needs a person's decision "
                    + "(drover decide RUN continue); an unanswered halt rolls back", at: node.location)
        } else {
            errors.add(
                .invalidValue, Suggestion.unknown("value", text, in: "on_pause_timeout", known: ["rollback"]),
                at: node.location)
        }
    }

    /// `pause: { prompt, timeout, on_timeout, when }`.
    mutating func readPause(_ node: YAMLNode) -> PauseStep? {
        guard let mapping = node.mapping("pause", allowed: Self.pauseKeys, errors: &errors) else { return nil }
        let prompt = required(mapping, "prompt", in: "pause")?.string("prompt", errors: &errors)
        let timeout = mapping["timeout"].flatMap { self.duration($0, "pause timeout", positive: true) }
        var onTimeout = PauseStep.OnTimeout.rollback
        var failed = mapping["timeout"] != nil && timeout == nil
        if let node = mapping["on_timeout"], let text = node.string("on_timeout", errors: &errors) {
            if let value = PauseStep.OnTimeout(rawValue: text) {
                onTimeout = value
            } else {
                errors.add(
                    .invalidValue,
                    Suggestion.unknown(
                        "value", text, in: "on_timeout", known: PauseStep.OnTimeout.allCases.map(\.rawValue)),
                    at: node.location)
                failed = true
            }
        }
        var when: Condition?
        if let node = mapping["when"], let text = node.string("when", errors: &errors) {
            do throws(ConditionParser.Problem) {
                when = try ConditionParser.parse(text)
            } catch {
                errors.add(.invalidValue, error.message, at: node.location)
                failed = true
            }
        }
        guard let prompt, !failed else { return nil }
        return PauseStep(prompt: prompt, timeout: timeout, onTimeout: onTimeout, when: when)
    }

    static func isHTTPURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }
}
