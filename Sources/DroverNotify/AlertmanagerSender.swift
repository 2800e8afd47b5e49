import DroverHTTP
public import DroverModel
public import Foundation
import Synchronization

/// Keeps monitoring quiet for a run's hosts (Alertmanager API v2): `started` creates a silence matching them (the
/// target's label with an anchored regex of their values) until the window's end plus the margin, `extended` moves
/// its end, and every closing notice expires it. It is a `NoticeSender`, so it goes through the target's queue,
/// retries and bounded wait like every notice: a dead Alertmanager never stops or slows the rollout.
///
/// Each silence id is handed to `remember` (the runtime journals it), so a resume can expire the silence of the
/// attempt it continues.
public final class AlertmanagerSender: NoticeSender {
    /// The run whose hosts are silenced.
    public struct Scope: Sendable {
        public var runID: String
        public var changeID: String?
        public var playbook: String
        /// Name and address of each host.
        public var hosts: [(name: String, address: String)]
        /// The silence's end when the run has no window end (unrestricted): its start plus this.
        public var unboundedLength: Duration

        public init(
            runID: String, changeID: String?, playbook: String, hosts: [(name: String, address: String)],
            unboundedLength: Duration = .seconds(4 * 3600)
        ) {
            self.runID = runID
            self.changeID = changeID
            self.playbook = playbook
            self.hosts = hosts
            self.unboundedLength = unboundedLength
        }
    }

    private let target: AlertmanagerTarget
    private let scope: Scope?
    private let transport: any HTTPTransport
    private let environment: @Sendable () -> [String: String]
    private let remember: @Sendable (_ id: String, _ expired: Bool) -> Void
    private let silence = Mutex<String?>(nil)
    private let now: @Sendable () -> Date
    public let shown: String

    /// - Parameters:
    ///   - scope: the run; nil where there is none (`notify-test`): every notice is then refused with a sentence.
    ///   - remember: called with each silence id created (`expired` false) and expired (true).
    public init(
        target: AlertmanagerTarget, scope: Scope?, transport: any HTTPTransport = SharedHTTPTransport(),
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        now: @escaping @Sendable () -> Date = { Date() },
        remember: @escaping @Sendable (_ id: String, _ expired: Bool) -> Void = { _, _ in }
    ) {
        self.target = target
        self.scope = scope
        self.transport = transport
        self.environment = environment
        self.now = now
        self.remember = remember
        self.shown = "alertmanager " + (SecretMask.maskedURL(target.url) ?? "(URL hidden)")
    }

    /// The silence this sender keeps, if one is open.
    public var silenceID: String? { silence.withLock { $0 } }

    public func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        guard let scope else {
            throw NoticeDeliveryError(
                "an alertmanager target silences a run's hosts; there is no run here, so nothing was sent", retryable: false)
        }
        let fields = (try? JSONSerialization.jsonObject(with: notice.json)) as? [String: Any] ?? [:]
        switch notice.event {
        case .started, .extended:
            let end = (fields["window_end"] as? String).flatMap(Self.date)
                ?? now().addingTimeInterval(TimeInterval(scope.unboundedLength.components.seconds))
            try await open(scope, until: end.addingTimeInterval(TimeInterval(target.margin.components.seconds)), timeout: timeout)
        case _ where AlertmanagerTarget.events.contains(notice.event):
            guard let id = silenceID else { return }
            try await expire(id, timeout: timeout)
        default:
            return
        }
    }

    /// Creates the silence, or moves the end of the one open (Alertmanager keeps the id, or answers a new one).
    func open(_ scope: Scope, until end: Date, timeout: Duration) async throws(NoticeDeliveryError) {
        let values = scope.hosts.map { target.value == .name ? $0.name : $0.address }
        var body: [String: Any] = [
            "matchers": [
                [
                    "name": target.label, "value": "^(" + values.map(Self.regexEscaped).joined(separator: "|") + ")$",
                    "isRegex": true, "isEqual": true,
                ]
            ],
            "startsAt": Self.iso(now()), "endsAt": Self.iso(end), "createdBy": "drover",
            "comment": "drover run \(scope.runID)" + (scope.changeID.map { " (change \($0))" } ?? "")
                + ": \(scope.playbook) on \(values.count) hosts",
        ]
        if let id = silenceID { body["id"] = id }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        let response = try await request("POST", "/api/v2/silences", body: [UInt8](data), timeout: timeout)
        guard let answer = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
            let id = answer["silenceID"] as? String
        else {
            throw NoticeDeliveryError("the Alertmanager answered without a silence id", retryable: false)
        }
        silence.withLock { $0 = id }
        remember(id, false)
    }

    /// Expires a silence (this one, or an earlier attempt's).
    public func expire(_ id: String, timeout: Duration) async throws(NoticeDeliveryError) {
        _ = try await request("DELETE", "/api/v2/silence/\(id)", body: [], timeout: timeout, gone: [404])
        silence.withLock { if $0 == id { $0 = nil } }
        remember(id, true)
    }

    private func request(
        _ method: String, _ path: String, body: [UInt8], timeout: Duration, gone: Set<Int> = []
    ) async throws(NoticeDeliveryError) -> HTTPResponse {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("User-Agent", "drover")]
        let variables = environment()
        for (name, variable) in target.headers.sorted(by: { $0.key < $1.key }) {
            guard let value = variables[variable], !value.contains("\n"), !value.contains("\r") else {
                throw NoticeDeliveryError(
                    "header \(name): the environment variable \(variable) is not set (or holds a line break)",
                    retryable: false)
            }
            headers.append((name, value))
        }
        let base = target.url.hasSuffix("/") ? String(target.url.dropLast()) : target.url
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(method: method, url: base + path, headers: headers, body: body, timeout: timeout))
        } catch {
            throw NoticeDeliveryError("the Alertmanager did not answer: \(error)", retryable: true)
        }
        guard response.succeeded || gone.contains(response.status) else {
            let retryable = [408, 425, 429].contains(response.status) || response.status >= 500
            let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            throw NoticeDeliveryError(
                "the Alertmanager answered HTTP \(response.status) to \(method) \(path)"
                    + (text.isEmpty ? "" : ": " + text.trimmingCharacters(in: .whitespacesAndNewlines)),
                retryable: retryable)
        }
        return response
    }

    /// A value inside a regex matcher, matched literally.
    static func regexEscaped(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if "\\.^$|?*+()[]{}".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func date(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }
}
