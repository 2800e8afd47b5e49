import DroverModel
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Posts a notice as JSON to an `http`/`https` URL: Slack's `text` (escaped as Slack asks: `&`, `<`, `>`) plus the
/// notice's fields. Header values are read from the environment variables the policy names, at each send.
///
/// A 2xx answer is delivery; 408, 425, 429 and 5xx, a timeout or a failed connection may be retried; any other
/// answer, a missing variable or a bad URL will not get better. Messages show the URL as `scheme://host/…` only.
public final class WebhookSender: NoticeSender, @unchecked Sendable {
    private let url: String
    private let headers: [String: String]
    private let environment: @Sendable () -> [String: String]
    /// Immutable after init; URLSession is thread-safe.
    private let session: URLSession
    public let shown: String

    public init(
        url: String, headers: [String: String] = [:],
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
    ) {
        self.url = url
        self.headers = headers
        self.environment = environment
        self.shown = "webhook " + (SecretMask.maskedURL(url) ?? "(URL hidden)")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 2
        self.session = URLSession(configuration: configuration)
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        guard let endpoint = URL(string: url), let scheme = endpoint.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw NoticeDeliveryError("the webhook URL is not a valid http or https URL", retryable: false)
        }
        var request = URLRequest(url: endpoint, timeoutInterval: max(0.1, Notice.seconds(timeout)))
        request.httpMethod = "POST"
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue("drover", forHTTPHeaderField: "User-Agent")
        let variables = environment()
        for (name, variable) in headers.sorted(by: { $0.key < $1.key }) {
            guard let value = variables[variable], !value.isEmpty else {
                throw NoticeDeliveryError(
                    "header \(name): the environment variable \(variable) is not set", retryable: false)
            }
            request.setValue(value, forHTTPHeaderField: name)
        }
        request.httpBody = notice.json(text: Self.slackEscaped(notice.text))

        let (data, response) = try await perform(request, timeout: timeout)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard !(200..<300).contains(status) else { return }
        var message = "HTTP \(status)"
        let body = Self.printable(data)
        if !body.isEmpty { message += ": \(body)" }
        throw NoticeDeliveryError(message, retryable: [0, 408, 425, 429].contains(status) || status >= 500)
    }

    /// Runs the request, cancelling it at `timeout` or when the calling task is cancelled.
    private func perform(_ request: URLRequest, timeout: Duration) async throws(NoticeDeliveryError) -> (Data, URLResponse?) {
        let handle = TaskHandle()
        let timer = Task {
            try await Task.sleep(for: timeout)
            handle.cancel(reason: .timedOut)
        }
        defer { timer.cancel() }
        let outcome: (Data?, URLResponse?, (any Error)?) = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let task = session.dataTask(with: request) { data, response, error in
                    continuation.resume(returning: (data, response, error))
                }
                handle.start(task)
            }
        } onCancel: {
            handle.cancel(reason: .cancelled)
        }
        if let error = outcome.2 {
            throw describe(error, cancelled: handle.reason, timeout: timeout)
        }
        return (outcome.0 ?? Data(), outcome.1)
    }

    private func describe(_ error: any Error, cancelled: TaskHandle.Reason?, timeout: Duration) -> NoticeDeliveryError {
        switch cancelled {
        case .timedOut: return NoticeDeliveryError("no answer within \(Notice.spoken(timeout))", retryable: true)
        case .cancelled: return NoticeDeliveryError("cancelled before an answer came", retryable: false)
        case nil: break
        }
        // Never the error's own description: it may quote the whole URL.
        let code = (error as? URLError)?.code
        switch code {
        case .timedOut?: return NoticeDeliveryError("no answer within \(Notice.spoken(timeout))", retryable: true)
        case .cannotConnectToHost?: return NoticeDeliveryError("connection refused", retryable: true)
        case .cannotFindHost?, .dnsLookupFailed?: return NoticeDeliveryError("host name not found", retryable: true)
        case .networkConnectionLost?: return NoticeDeliveryError("the connection was closed before an answer", retryable: true)
        case .notConnectedToInternet?: return NoticeDeliveryError("no network", retryable: true)
        case .secureConnectionFailed?, .serverCertificateUntrusted?, .serverCertificateHasBadDate?,
            .serverCertificateNotYetValid?, .serverCertificateHasUnknownRoot?:
            return NoticeDeliveryError("TLS failed (certificate or handshake)", retryable: false)
        case let code?: return NoticeDeliveryError("request failed (URL error \(code.rawValue))", retryable: true)
        case nil: return NoticeDeliveryError("request failed", retryable: true)
        }
    }

    /// Slack's rule for message text: `&`, `<` and `>` are control characters, written `&amp;`, `&lt;`, `&gt;`.
    public static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The start of a response body as one printable line (at most 200 characters).
    static func printable(_ data: Data) -> String {
        let text = String(decoding: data.prefix(400), as: UTF8.self)
        let line = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed
    }
}

/// The data task of one request, cancellable from the timer, the caller's cancellation, or both, in any order.
private final class TaskHandle: @unchecked Sendable {
    enum Reason { case timedOut, cancelled }

    private let lock = NSLock()
    private var task: URLSessionDataTask?
    var reason: Reason? { lock.withLock { storedReason } }
    private var storedReason: Reason?

    func start(_ task: URLSessionDataTask) {
        let cancelled = lock.withLock {
            self.task = task
            return storedReason != nil
        }
        task.resume()
        if cancelled { task.cancel() }
    }

    func cancel(reason: Reason) {
        let task = lock.withLock {
            if storedReason == nil { storedReason = reason }
            return self.task
        }
        task?.cancel()
    }
}
