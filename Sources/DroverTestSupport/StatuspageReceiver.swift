import Foundation
import Synchronization

/// A local stand-in for the Atlassian Statuspage REST API (v1) for tests: it checks each request against the
/// documented API (path `/v1/pages/PAGE/incidents[/ID]`, method, `Authorization: OAuth KEY`, a JSON body whose
/// `incident` object holds only documented fields with valid values, a scheduled maintenance's times) and answers as
/// the API does: 201 with the incident for a create, 200 for an update, 401/404/422 with an `error` otherwise.
/// Every refusal is also kept in `violations`, so a test can assert that Drover never sent one. Loopback only.
public final class StatuspageReceiver: Sendable {
    /// An incident as the fake page keeps it.
    public struct Incident: Sendable, Hashable {
        public var id: String
        public var name: String
        public var status: String
        public var scheduledFor: String?
        public var scheduledUntil: String?
        public var componentIDs: [String]
        /// Each update's status and body, oldest first.
        public var updates: [String]
    }

    /// The incident fields the API documents for create and update.
    public static let fields: Set<String> = [
        "name", "status", "body", "component_ids", "components", "scheduled_for", "scheduled_until",
        "scheduled_remind_prior", "scheduled_auto_in_progress", "scheduled_auto_completed", "impact_override",
        "deliver_notifications", "auto_transition_to_maintenance_state", "auto_transition_to_operational_state",
        "metadata", "backfilled", "backfill_date",
    ]
    /// Statuses of a scheduled maintenance, and of a realtime incident.
    public static let statuses: Set<String> = [
        "scheduled", "in_progress", "verifying", "completed", "investigating", "identified", "monitoring", "resolved",
    ]

    private let receiver: HTTPReceiver
    private let state = Mutex<(incidents: [String: Incident], order: [String], violations: [String])>(([:], [], []))
    public let pageID: String
    public let key: String
    public let componentIDs: Set<String>

    /// `http://127.0.0.1:PORT`: what a policy's `statuspage:` names.
    public var url: String { "http://127.0.0.1:\(receiver.port)" }
    /// Every request, in order.
    public var requests: [HTTPReceiver.Request] { receiver.requests }
    /// Why each refused request was refused.
    public var violations: [String] { state.withLock { $0.violations } }
    /// The incidents made, in order.
    public var incidents: [Incident] { state.withLock { state in state.order.compactMap { state.incidents[$0] } } }

    public init(pageID: String = "kctbh9vrtdwd", key: String = "test-key-\(UUID().uuidString.prefix(8))", components: Set<String> = [])
        throws
    {
        self.pageID = pageID
        self.key = key
        self.componentIDs = components
        receiver = try HTTPReceiver()
        let handler: @Sendable (HTTPReceiver.Request) -> (status: Int, body: String) = { [weak self] request in
            self?.answer(request) ?? (500, #"{"error":"receiver gone"}"#)
        }
        receiver.mode = .handler(handler)
    }

    public func stop() { receiver.stop() }

    private func refuse(_ status: Int, _ why: String) -> (status: Int, body: String) {
        state.withLock { $0.violations.append(why) }
        let data = (try? JSONSerialization.data(withJSONObject: ["error": why])) ?? Data()
        return (status, String(decoding: data, as: UTF8.self))
    }

    private func answer(_ request: HTTPReceiver.Request) -> (status: Int, body: String) {
        guard request.headers["authorization"] == "OAuth \(key)" else {
            return refuse(401, "\(request.method) \(request.path): no or wrong Authorization: OAuth KEY header")
        }
        let prefix = "/v1/pages/\(pageID)/incidents"
        guard request.path == prefix || request.path.hasPrefix(prefix + "/") else {
            return refuse(404, "\(request.method) \(request.path): not an incidents path of page \(pageID)")
        }
        guard request.headers["content-type"]?.hasPrefix("application/json") == true,
            let body = request.json, let incident = body["incident"] as? [String: Any], body.count == 1
        else { return refuse(422, "\(request.method) \(request.path): the body must be JSON {\"incident\": {...}}") }
        let unknown = Set(incident.keys).subtracting(Self.fields)
        guard unknown.isEmpty else { return refuse(422, "unknown incident fields: \(unknown.sorted())") }
        if let status = incident["status"] {
            guard let text = status as? String, Self.statuses.contains(text) else {
                return refuse(422, "status \(status) is not a documented incident status")
            }
        }
        for field in ["scheduled_for", "scheduled_until"] {
            if let value = incident[field] {
                guard let text = value as? String, ISO8601DateFormatter().date(from: text) != nil else {
                    return refuse(422, "\(field) \(value) is not an ISO 8601 time")
                }
            }
        }
        if let ids = incident["component_ids"] {
            guard let list = ids as? [String], componentIDs.isEmpty || Set(list).isSubset(of: componentIDs) else {
                return refuse(422, "component_ids \(ids) names components the page does not have")
            }
        }
        let formatter = ISO8601DateFormatter()
        if let start = (incident["scheduled_for"] as? String).flatMap(formatter.date(from:)),
            let end = (incident["scheduled_until"] as? String).flatMap(formatter.date(from:)), end <= start
        {
            return refuse(422, "scheduled_until must be after scheduled_for")
        }
        switch request.method {
        case "POST" where request.path == prefix:
            guard let name = incident["name"] as? String, !name.isEmpty else { return refuse(422, "name is required") }
            let status = incident["status"] as? String ?? "investigating"
            if status == "scheduled", incident["scheduled_for"] == nil || incident["scheduled_until"] == nil {
                return refuse(422, "a scheduled maintenance needs scheduled_for and scheduled_until")
            }
            let made = Incident(
                id: String(UUID().uuidString.lowercased().prefix(12)), name: name, status: status,
                scheduledFor: incident["scheduled_for"] as? String, scheduledUntil: incident["scheduled_until"] as? String,
                componentIDs: incident["component_ids"] as? [String] ?? [],
                updates: ["\(status): \(incident["body"] as? String ?? "")"])
            state.withLock {
                $0.incidents[made.id] = made
                $0.order.append(made.id)
            }
            return (201, Self.json(made))
        case "PATCH":
            let id = String(request.path.dropFirst(prefix.count + 1))
            let updated = state.withLock { state -> Incident? in
                guard var current = state.incidents[id] else { return nil }
                if let status = incident["status"] as? String { current.status = status }
                if let start = incident["scheduled_for"] as? String { current.scheduledFor = start }
                if let end = incident["scheduled_until"] as? String { current.scheduledUntil = end }
                if let ids = incident["component_ids"] as? [String] { current.componentIDs = ids }
                if let body = incident["body"] as? String { current.updates.append("\(current.status): \(body)") }
                state.incidents[id] = current
                return current
            }
            guard let updated else { return refuse(404, "PATCH of incident \(id), which the page does not have") }
            return (200, Self.json(updated))
        default:
            return refuse(405, "\(request.method) \(request.path) is not a documented incidents call")
        }
    }

    private static func json(_ incident: Incident) -> String {
        let object: [String: Any] = [
            "id": incident.id, "name": incident.name, "status": incident.status,
            "scheduled_for": incident.scheduledFor ?? NSNull(), "scheduled_until": incident.scheduledUntil ?? NSNull(),
            "components": incident.componentIDs.map { ["id": $0] },
            "incident_updates": incident.updates.map { ["body": $0] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
