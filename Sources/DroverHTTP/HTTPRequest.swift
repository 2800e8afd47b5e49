/// One HTTP request as Drover sends it (a webhook, a Prometheus query, an Alertmanager silence).
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    public var method: String
    /// An `http` or `https` URL.
    public var url: String
    /// In order; names as written.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The whole exchange: connect, TLS, send, the answer's head and body.
    public var timeout: Duration

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The answer: its status, headers and at most `maximumBody` bytes of its body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var succeeded: Bool { (200..<300).contains(status) }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Why a request got no answer, as one sentence that never quotes the URL (it may hold a token): the caller names
/// the target its own way.
public struct HTTPFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Not an http/https URL.
        case badURL = "bad_url"
        /// The host name did not resolve.
        case unknownHost = "unknown_host"
        /// Refused, unreachable, or no connection within the timeout.
        case unreachable
        /// Connected, but no (whole) answer within the timeout.
        case timedOut = "timed_out"
        /// The TLS handshake failed: a certificate that does not verify, or no common protocol.
        case tls
        /// The connection closed before the answer was complete.
        case connectionLost = "connection_lost"
        /// The answer's body was larger than allowed.
        case tooLarge = "too_large"
        /// The task was cancelled.
        case cancelled
        /// Anything else.
        case other
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Whether trying again later may get an answer (a bad URL or a certificate will not get better).
    public var retryable: Bool { ![.badURL, .tls, .cancelled, .tooLarge].contains(kind) }
}
