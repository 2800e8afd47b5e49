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
