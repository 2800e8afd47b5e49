import DroverHTTP
public import DroverModel
public import Foundation
import Synchronization

/// Keeps a Statuspage page's scheduled maintenance in step (the Atlassian Statuspage REST API v1, where a scheduled
/// maintenance is an incident): `scheduled` creates it with status `scheduled` (or moves it when it exists),
/// `cancelled` and `missed` complete it with the reason, `started` sets it `in_progress` (creating one for a run
/// nobody planned), `extended` moves its end, and every closing notice completes it with the outcome. Requests:
/// `POST /v1/pages/PAGE/incidents` (create) and `PATCH /v1/pages/PAGE/incidents/ID` (update), JSON bodies under
/// `incident`, `Authorization: OAuth KEY` with the key read from the environment variable the policy names.
///
/// It is a `NoticeSender`: the same queue, retries and bounded wait as every target. Each incident id is handed to
/// `remember` (journaled by the caller), and `incident` says which one exists already (a planned run's).
public final class StatuspageSender: NoticeSender {
    private let target: StatuspageTarget
    private let name: String
    private let components: [String]
    private let known: @Sendable () -> String?
    private let remember: @Sendable (String) -> Void
    private let transport: any HTTPTransport
    private let environment: @Sendable () -> [String: String]
    private let now: @Sendable () -> Date
    private let created = Mutex<String?>(nil)
    public let shown: String

    /// - Parameters:
    ///   - name: the maintenance's name (`[production] Maintenance: Kernel update`).
    ///   - components: the affected component ids.
    ///   - incident: the incident that exists already, if any (asked at each notice).
    public init(
        target: StatuspageTarget, name: String, components: [String], incident: @escaping @Sendable () -> String? = { nil },
        transport: any HTTPTransport = SharedHTTPTransport(),
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        now: @escaping @Sendable () -> Date = { Date() }, remember: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.target = target
        self.name = name
        self.components = components
        self.known = incident
        self.transport = transport
        self.environment = environment
        self.now = now
        self.remember = remember
        self.shown = "statuspage " + (SecretMask.maskedURL(target.url) ?? "(URL hidden)") + " page \(target.pageID)"
    }

    /// The incident this sender keeps, if one exists.
    public var incidentID: String? { created.withLock { $0 } ?? known() }

    public func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        let fields = (try? JSONSerialization.jsonObject(with: notice.json)) as? [String: Any] ?? [:]
        let start = (fields["scheduled_start"] as? String) ?? Self.iso(now())
        let end = (fields["window_end"] as? String) ?? (fields["scheduled_end"] as? String)
        switch notice.event {
        case .scheduled:
            if let id = incidentID {
                var incident: [String: Any] = ["scheduled_for": start, "body": notice.text]
                if let end { incident["scheduled_until"] = end }
                try await update(id, incident, timeout: timeout)
            } else {
                try await create(status: "scheduled", start: start, end: end, body: notice.text, timeout: timeout)
            }
        case .started:
            if let id = incidentID {
                try await update(id, ["status": "in_progress", "body": notice.text], timeout: timeout)
            } else {
                try await create(status: "in_progress", start: Self.iso(now()), end: end, body: notice.text, timeout: timeout)
            }
        case .extended:
            guard let id = incidentID, let end else { return }
            try await update(id, ["scheduled_until": end, "body": notice.text], timeout: timeout)
        case _ where StatuspageTarget.events.contains(notice.event):
            guard let id = incidentID else { return }
            try await update(id, ["status": "completed", "body": notice.text], timeout: timeout)
        default:
            return
        }
    }

    private func create(status: String, start: String, end: String?, body: String, timeout: Duration)
        async throws(NoticeDeliveryError)
    {
        var incident: [String: Any] = [
            "name": name, "status": status, "body": body, "component_ids": components, "scheduled_for": start,
            "scheduled_remind_prior": false, "scheduled_auto_in_progress": false, "scheduled_auto_completed": false,
        ]
        if let end { incident["scheduled_until"] = end }
        let answer = try await request("POST", "/incidents", ["incident": incident], timeout: timeout)
        guard let id = answer["id"] as? String, !id.isEmpty else {
            throw NoticeDeliveryError("Statuspage answered without an incident id", retryable: false)
        }
        created.withLock { $0 = id }
        remember(id)
    }

    private func update(_ id: String, _ incident: [String: Any], timeout: Duration) async throws(NoticeDeliveryError) {
        _ = try await request("PATCH", "/incidents/\(id)", ["incident": incident], timeout: timeout)
    }

    private func request(_ method: String, _ path: String, _ body: [String: Any], timeout: Duration)
        async throws(NoticeDeliveryError) -> [String: Any]
    {
        guard let key = environment()[target.token], !key.isEmpty, !key.contains("\n"), !key.contains("\r") else {
            throw NoticeDeliveryError(
                "the environment variable \(target.token) (the Statuspage API key) is not set", retryable: false)
        }
        let base = target.url.hasSuffix("/") ? String(target.url.dropLast()) : target.url
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(
                    method: method, url: base + "/v1/pages/\(target.pageID)" + path,
                    headers: [
                        ("Authorization", "OAuth " + key), ("Content-Type", "application/json"), ("User-Agent", "drover"),
                    ],
                    body: [UInt8](data), timeout: timeout))
        } catch {
            throw NoticeDeliveryError("Statuspage did not answer: \(error)", retryable: true)
        }
        guard response.succeeded else {
            let retryable = [408, 425, 429].contains(response.status) || response.status >= 500
            let text = String(decoding: response.body.prefix(200), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw NoticeDeliveryError(
                "Statuspage answered HTTP \(response.status) to \(method) \(path)" + (text.isEmpty ? "" : ": " + text),
                retryable: retryable)
        }
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
