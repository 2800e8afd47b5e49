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
        /// An Atlassian Statuspage page: a scheduled maintenance from `drover schedule` to the run's end.
        case statuspage(StatuspageTarget)
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

/// A Statuspage target (`statuspage: URL` in the policy): the Atlassian Statuspage REST API (v1), where a
/// scheduled maintenance is an incident with status `scheduled`, then `in_progress`, then `completed`.
public struct StatuspageTarget: Sendable, Hashable, Codable {
    /// The API's base URL (`https://api.statuspage.io`); requests go to `/v1/pages/PAGE/incidents`.
    public var url: String
    public var pageID: String
    /// The name of the environment variable holding the API key (sent as `Authorization: OAuth KEY`).
    public var token: String
    /// Inventory group → component id: a run's components are those of the groups its hosts belong to.
    public var components: [String: String]

    /// The events a Statuspage target acts on: planned (create, move), cancelled or missed (complete), started (in
    /// progress), extended (longer), and every end (completed, with the outcome).
    public static let events: Set<NotifyEvent> = [
        .scheduled, .cancelled, .missed, .started, .extended, .completed, .completedWithIssues, .rolledBack, .failed,
        .refused, .interrupted,
    ]

    public init(url: String, pageID: String, token: String, components: [String: String] = [:]) {
        self.url = url
        self.pageID = pageID
        self.token = token
        self.components = components
    }

    /// The component ids of the groups named, in the order of `groups`, each once.
    public func componentIDs(groups: [String]) -> [String] {
        var ids: [String] = []
        for group in groups {
            if let id = components[group], !ids.contains(id) { ids.append(id) }
        }
        return ids
    }
}
