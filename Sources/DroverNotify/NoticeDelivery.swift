import DroverModel
import Foundation

/// A rendered notice, ready for any target.
public struct RenderedNotice: Sendable, Hashable {
    public var event: NotifyEvent
    /// The message from the event's template.
    public var text: String
    /// `Notice.fields` plus `text`, as one JSON object (sorted keys).
    public var json: Data

    public init(_ notice: Notice, templates: NoticeTemplates) {
        self.init(notice, text: templates.render(notice))
    }

    public init(_ notice: Notice, text: String) {
        self.event = notice.event
        self.text = text
        var object: [String: Any] = notice.fields
        object["text"] = text
        self.json = Self.encode(object)
    }

    /// The JSON with `text` replaced (a webhook escapes it for Slack).
    func json(text replacement: String) -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { return json }
        object["text"] = replacement
        return Self.encode(object)
    }

    private static func encode(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}

/// Sends rendered notices to one target. Implementations return when the target has taken the notice and throw
/// otherwise; they must give up once `timeout` has passed.
public protocol NoticeSender: Sendable {
    /// How the target is shown: never a secret (`webhook https://hooks.example/…`, `command page-oncall`).
    var shown: String { get }
    /// - Throws: `NoticeDeliveryError` saying why the notice was not taken.
    func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError)
}

/// Why a notice was not delivered, as one sentence without secrets; `retryable` when trying again may help.
public struct NoticeDeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var retryable: Bool

    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}

extension NotifyTarget {
    /// The target as shown in output and the journal, with its secrets masked.
    public var shown: String {
        switch delivery {
        case .webhook(let url, _): return "webhook " + (SecretMask.maskedURL(url) ?? "(URL hidden)")
        case .command(let text, _): return "command " + (CommandSender.words(text).first ?? "")
        case .alertmanager(let target): return "alertmanager " + (SecretMask.maskedURL(target.url) ?? "(URL hidden)")
        case .statuspage(let target):
            return "statuspage " + (SecretMask.maskedURL(target.url) ?? "(URL hidden)") + " page \(target.pageID)"
        }
    }

    /// The sender for this target.
    public func sender(environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment })
        -> any NoticeSender
    {
        switch delivery {
        case .webhook(let url, let headers):
            return WebhookSender(url: url, headers: headers, environment: environment)
        case .command(let text, let passing):
            return CommandSender(command: text, passing: passing, environment: environment)
        case .alertmanager(let target):
            // A silence needs a run's hosts: the runtime makes its own sender with them (`AlertmanagerSender.Scope`).
            return AlertmanagerSender(target: target, scope: nil, environment: environment)
        case .statuspage(let target):
            // A scheduled maintenance belongs to a planned run or a run: the runtime makes that sender. Here
            // (`notify-test`) nothing is posted to a real status page.
            return RefusingSender(
                shown: shown,
                reason: "a statuspage target keeps a run's scheduled maintenance; there is no run here, so nothing was "
                    + "posted to page \(target.pageID)")
        }
    }
}

/// A target that takes no notice outside a run (its reason says why), so a sample never reaches a live service.
struct RefusingSender: NoticeSender {
    let shown: String
    let reason: String

    func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        throw NoticeDeliveryError(reason, retryable: false)
    }
}
