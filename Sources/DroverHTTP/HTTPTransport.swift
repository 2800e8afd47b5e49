import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Sends HTTP requests. One implementation for everything HTTP in Drover; tests may stand in their own.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the answer, whatever its status.
    /// - Throws: `HTTPFailure` when no answer came.
    func send(_ request: HTTPRequest) async throws(HTTPFailure) -> HTTPResponse
}

/// HTTP over one process-wide async-http-client `HTTPClient` (created at the first request, on SwiftNIO's
/// singleton event loop group, never shut down): connection pooling, TLS with the system's trust store and
/// certificate verification, HTTP/1.1 and HTTP/2. Bodies of answers are read up to `maximumBody` bytes.
///
/// Unlike `HTTPClient.shared`, a connection that cannot be established fails its request at once instead of being
/// retried with backoff until the request's deadline: callers have retry policies of their own (a webhook's
/// attempts, a metric's next measurement), and a closed port must read "refused", not "no answer within 5s".
public struct SharedHTTPTransport: HTTPTransport {
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The largest answer body read (4 MiB: a Prometheus query result, an API's JSON).
    public var maximumBody: Int

    public init(maximumBody: Int = 4 << 20) {
        self.maximumBody = maximumBody
    }

    public func send(_ request: HTTPRequest) async throws(HTTPFailure) -> HTTPResponse {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host != nil
        else { throw HTTPFailure(.badURL, "not a valid http or https URL") }
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.uppercased())
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        let timeout = TimeAmount.nanoseconds(Int64(request.timeout.components.seconds) * 1_000_000_000
            + request.timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await Self.client.execute(outgoing, timeout: timeout)
            let buffer = try await response.body.collect(upTo: maximumBody)
            return HTTPResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView))
        } catch {
            throw Self.failure(error, timeout: request.timeout)
        }
    }

    /// An error of the HTTP stack as a sentence, by what happened (never the library's text, which may quote
    /// the URL).
    static func failure(_ error: any Error, timeout: Duration) -> HTTPFailure {
        if error is CancellationError { return HTTPFailure(.cancelled, "cancelled before an answer came") }
        let within = "within \(spoken(timeout))"
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return HTTPFailure(.timedOut, "no answer \(within)")
            case .connectTimeout, .tlsHandshakeTimeout:
                return HTTPFailure(.unreachable, "could not connect \(within)")
            case .remoteConnectionClosed, .cancelled:
                return HTTPFailure(.connectionLost, "the connection was closed before an answer")
            case .invalidURL, .emptyHost, .emptyScheme:
                return HTTPFailure(.badURL, "not a valid http or https URL")
            default:
                return HTTPFailure(.other, "request failed (\(error))")
            }
        }
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return HTTPFailure(.unknownHost, "host name not found")
            }
            return HTTPFailure(.unreachable, "could not connect (refused or unreachable)")
        }
        if error is NIOSSLError || error is BoringSSLError {
            return HTTPFailure(.tls, "TLS failed (certificate or handshake)")
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED, ENETUNREACH, EHOSTUNREACH:
                return HTTPFailure(.unreachable, "could not connect (refused or unreachable)")
            case ECONNRESET, EPIPE:
                return HTTPFailure(.connectionLost, "the connection was closed before an answer")
            default:
                return HTTPFailure(.other, "request failed (\(String(cString: strerror(error.errnoCode))))")
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return HTTPFailure(.unreachable, "could not connect \(within)")
        }
        if error is NIOTooManyBytesError { return HTTPFailure(.tooLarge, "the answer was longer than allowed") }
        return HTTPFailure(.other, "request failed (\(type(of: error)))")
    }

    /// `5s`, `1m30s`, `500ms`.
    static func spoken(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        if seconds < 60 { return "\(seconds)s" }
        return "\(seconds / 60)m" + (seconds % 60 == 0 ? "" : "\(seconds % 60)s")
    }
}
