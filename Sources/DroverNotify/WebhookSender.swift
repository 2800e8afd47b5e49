internal import CCurl
import DroverModel
import Foundation

/// Posts a notice as JSON to an `http`/`https` URL: Slack's `text` (escaped as Slack asks: `&`, `<`, `>`) plus the
/// notice's fields. Header values are read from the environment variables the policy names, at each send.
///
/// A 2xx answer is delivery; 408, 425, 429 and 5xx, a timeout or a failed connection may be retried; any other
/// answer, a missing variable or a bad URL will not get better. Messages show the URL as `scheme://host/…` only.
///
/// The POST goes through libcurl, loaded when the first webhook is sent (`CCurl`): the curl stack and its TLS
/// libraries cost every `drover` start about 5 MiB of memory when linked in, and most runs send nothing.
public final class WebhookSender: NoticeSender {
    private let url: String
    private let headers: [String: String]
    private let environment: @Sendable () -> [String: String]
    public let shown: String

    public init(
        url: String, headers: [String: String] = [:],
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
    ) {
        self.url = url
        self.headers = headers
        self.environment = environment
        self.shown = "webhook " + (SecretMask.maskedURL(url) ?? "(URL hidden)")
    }

    public func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        guard let endpoint = URL(string: url), let scheme = endpoint.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw NoticeDeliveryError("the webhook URL is not a valid http or https URL", retryable: false)
        }
        var lines = ["Content-Type: application/json; charset=utf-8", "User-Agent: drover"]
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
            lines.append("\(name): \(value)")
        }
        let body = notice.json(text: Self.slackEscaped(notice.text))

        let transfer = Transfer()
        let milliseconds = max(100, Int(Notice.seconds(timeout) * 1000))
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // libcurl blocks: on a thread of its own, neither a cooperative one nor Dispatch's pool (whose
                // starvation would start the transfer, and so its timeout, late).
                Thread { [url, lines] in
                    continuation.resume(returning: transfer.post(url: url, headers: lines, body: body, milliseconds: milliseconds))
                }.start()
            }
        } onCancel: {
            transfer.cancel()
        }
        switch outcome {
        case .unavailable(let message):
            throw NoticeDeliveryError(message, retryable: false)
        case .failed(let code):
            throw Self.describe(code, timeout: timeout)
        case .answered(let status, _) where (200..<300).contains(status):
            return
        case .answered(let status, let start):
            var message = "HTTP \(status)"
            let text = Self.printable(start)
            if !text.isEmpty { message += ": \(text)" }
            throw NoticeDeliveryError(message, retryable: [408, 425, 429].contains(status) || status >= 500)
        }
    }

    /// A libcurl failure as a sentence; never curl's own message, which may quote the whole URL.
    static func describe(_ code: Int32, timeout: Duration) -> NoticeDeliveryError {
        switch code {
        case 28: return NoticeDeliveryError("no answer within \(Notice.spoken(timeout))", retryable: true)
        case 7: return NoticeDeliveryError("could not connect (refused or unreachable)", retryable: true)
        case 5, 6: return NoticeDeliveryError("host name not found", retryable: true)
        case 52, 55, 56: return NoticeDeliveryError("the connection was closed before an answer", retryable: true)
        case 35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91:
            return NoticeDeliveryError("TLS failed (certificate or handshake)", retryable: false)
        case 1, 3: return NoticeDeliveryError("the webhook URL is not a valid http or https URL", retryable: false)
        case DROVER_CURL_ABORTED: return NoticeDeliveryError("cancelled before an answer came", retryable: false)
        default: return NoticeDeliveryError("request failed (curl error \(code))", retryable: true)
        }
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

/// One POST's state shared with libcurl's thread: the cancel flag it polls and the start of the answer.
private final class Transfer: @unchecked Sendable {
    enum Outcome {
        case answered(status: Int, start: Data)
        case failed(Int32)
        case unavailable(String)
    }

    /// Owned here and freed at deinit: the cancel handler and the transfer thread both hold the object.
    private let state = UnsafeMutablePointer<drover_curl_transfer>.allocate(capacity: 1)

    init() { state.initialize(to: drover_curl_transfer()) }
    deinit { state.deallocate() }

    /// Asks the transfer to stop; libcurl's progress callback sees the flag (within about a second when idle).
    func cancel() { state.pointee.cancel = 1 }

    func post(url: String, headers: [String], body: Data, milliseconds: Int) -> Outcome {
        let strings = headers.map { UnsafePointer(strdup($0)) }
        defer { for string in strings { free(UnsafeMutablePointer(mutating: string)) } }
        var status = 0
        var message = [CChar](repeating: 0, count: 320)
        let code = body.withUnsafeBytes { bytes in
            drover_curl_post(
                url, strings, strings.count, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count,
                milliseconds, state, &status, &message, message.count)
        }
        if code == DROVER_CURL_UNAVAILABLE {
            return .unavailable(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        guard code == 0 else { return .failed(code) }
        let start = withUnsafeBytes(of: &state.pointee.body) { Data($0.prefix(state.pointee.body_length)) }
        return .answered(status: status, start: start)
    }
}
