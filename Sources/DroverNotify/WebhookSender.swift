import DroverHTTP
import DroverModel
import Foundation

/// Posts a notice as JSON to an `http`/`https` URL: Slack's `text` (escaped as Slack asks: `&`, `<`, `>`) plus the
/// notice's fields. Header values are read from the environment variables the policy names, at each send.
///
/// A 2xx answer is delivery; 408, 425, 429 and 5xx, a timeout or a failed connection may be retried; any other
/// answer, a missing variable or a bad URL will not get better. Messages show the URL as `scheme://host/…` only.
///
/// The POST goes through Drover's one HTTP client (`DroverHTTP`: async-http-client, TLS verified).
public final class WebhookSender: NoticeSender {
    private let url: String
    private let headers: [String: String]
    private let environment: @Sendable () -> [String: String]
    private let transport: any HTTPTransport
    public let shown: String

    public init(
        url: String, headers: [String: String] = [:],
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        transport: any HTTPTransport = SharedHTTPTransport()
    ) {
        self.url = url
        self.headers = headers
        self.environment = environment
        self.transport = transport
        self.shown = "webhook " + (SecretMask.maskedURL(url) ?? "(URL hidden)")
    }

    public func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        guard let endpoint = URL(string: url), let scheme = endpoint.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw NoticeDeliveryError("the webhook URL is not a valid http or https URL", retryable: false)
        }
        var lines: [(name: String, value: String)] = [
            ("Content-Type", "application/json; charset=utf-8"), ("User-Agent", "drover"),
        ]
        let variables = environment()
        for (name, variable) in headers.sorted(by: { $0.key < $1.key }) {
            guard let value = variables[variable], !value.isEmpty else {
                throw NoticeDeliveryError(
                    "header \(name): the environment variable \(variable) is not set", retryable: false)
            }
            // A line break would start a header (or a body) of the value's choosing.
            // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
            guard Self.isToken(name), !value.unicodeScalars.contains(where: { "\r\n\0".unicodeScalars.contains($0) })
            else {
                throw NoticeDeliveryError(
                    "header \(name): the name or the value of \(variable) is not a valid header", retryable: false)
            }
            lines.append((name, value))
        }
        let body = notice.json(text: Self.slackEscaped(notice.text))
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(method: "POST", url: url, headers: lines, body: Array(body), timeout: timeout))
        } catch {
            throw NoticeDeliveryError(error.message, retryable: error.retryable)
        }
        guard !response.succeeded else { return }
        var message = "HTTP \(response.status)"
        let text = Self.printable(Data(response.body))
        if !text.isEmpty { message += ": \(text)" }
        throw NoticeDeliveryError(message, retryable: [408, 425, 429].contains(response.status) || response.status >= 500)
    }

    /// RFC 9110 token characters: what a header name may be made of.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
        }
    }

    /// Slack's rule for message text: `&`, `<` and `>` are control characters, written `&amp;`, `&lt;`, `&gt;`.
    public static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The start of a response body as one printable line (at most 200 characters): line breaks and tabs become
    /// spaces, other control characters are made visible (`VisibleText`).
    static func printable(_ data: Data) -> String {
        let spaced = data.prefix(400).map { [0x09, 0x0A, 0x0D].contains($0) ? UInt8(ascii: " ") : $0 }
        let line = VisibleText.escape(spaced, layout: .singleLine)
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed
    }
}
