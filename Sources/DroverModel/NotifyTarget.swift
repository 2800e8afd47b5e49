/// One place notices are sent, and which events it wants.
public struct NotifyTarget: Sendable, Hashable, Codable {
    /// How a notice is delivered.
    public enum Delivery: Sendable, Hashable, Codable {
        /// A JSON POST (Slack-compatible `text` plus the event's fields) to an `http`/`https` URL. The URL may hold a
        /// token: never print it whole. `headers` maps a header name to the *name* of the environment variable
        /// holding its value (`Authorization: HOOK_TOKEN`), so no secret is written in the policy.
        case webhook(url: String, headers: [String: String])
        /// A command run with the event JSON on its standard input, as written in the policy. It gets a minimal
        /// environment (`PATH`, `HOME`, `LANG`, `TZ`) plus the variables named in `environment`, never all of drover's.
        case command(String, environment: [String] = [])
        /// A Prometheus Alertmanager: a silence on the run's hosts from its start to its end (API v2).
        case alertmanager(AlertmanagerTarget)
    }

    public var delivery: Delivery
    /// The events sent here; never empty (a target that lists none gets every event).
    public var events: Set<NotifyEvent>
    /// This target's own advance notices before a planned run (`advance: [72h, 24h]`); nil: the `notify` block's.
    public var advance: [Duration]?

    public init(
        delivery: Delivery, events: Set<NotifyEvent> = Set(NotifyEvent.allCases), advance: [Duration]? = nil
    ) {
        self.delivery = delivery
        self.events = events
        self.advance = advance
    }
}

/// An Alertmanager target (`alertmanager: URL` in the policy): a silence matching the run's hosts while it runs.
public struct AlertmanagerTarget: Sendable, Hashable, Codable {
    /// Each host's value of the label: its inventory name or its address.
    public enum Value: String, Sendable, Hashable, Codable, CaseIterable {
        case name = "{{ host.name }}"
        case address = "{{ host.address }}"
    }

    /// The base URL (`http://127.0.0.1:9093`); the API is under `/api/v2`.
    public var url: String
    /// The alert label matched against the run's hosts (default `instance`).
    public var label: String
    public var value: Value
    /// The silence ends this long after the window's end (default 15m), so alerts that fire while the last hosts
    /// settle are silenced too.
    public var margin: Duration
    /// Header name → the name of the environment variable holding its value (a proxy's `Authorization`).
    public var headers: [String: String]

    /// The silence margin when none is written.
    public static let defaultMargin: Duration = .seconds(15 * 60)
    /// The events an Alertmanager target acts on: start (silence), extension (longer), every end (expire).
    public static let events: Set<NotifyEvent> = [
        .started, .extended, .completed, .completedWithIssues, .rolledBack, .failed, .refused, .interrupted,
    ]

    public init(
        url: String, label: String = "instance", value: Value = .name, margin: Duration = AlertmanagerTarget.defaultMargin,
        headers: [String: String] = [:]
    ) {
        self.url = url
        self.label = label
        self.value = value
        self.margin = margin
        self.headers = headers
    }
}
