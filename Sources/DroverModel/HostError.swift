/// Why a host could not do what was asked, as a sentence an on-call engineer can act on.
///
/// `code` is stable (scripts and the journal key on it); `message` is for people; `cause`, when the transport
/// library reported the failure, is that library's own name for it (`LIBSSH2_ERROR_SOCKET_RECV`), for scripts and
/// bug reports: it never goes into the sentence.
public struct HostError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// DNS failed, the connection was refused or timed out, or the server never completed the SSH handshake.
        case unreachable
        /// known_hosts has no key for this host and the policy is strict.
        case hostKeyUnknown = "host_key_unknown"
        /// known_hosts has a different key for this host: possible man-in-the-middle.
        case hostKeyChanged = "host_key_changed"
        /// The host's key is marked `@revoked` in known_hosts.
        case hostKeyRevoked = "host_key_revoked"
        /// No offered credential was accepted.
        case authRefused = "auth_refused"
        /// A key or password could not be loaded (missing file, wrong passphrase, unsupported type).
        case credentials
        /// The command ran past its timeout and was ended.
        case timedOut = "timed_out"
        /// The channel closed without the server sending an exit status.
        case noExitStatus = "no_exit_status"
        /// An upload failed or arrived with the wrong size.
        case transfer
        /// The connection broke or the server spoke nonsense.
        case connectionLost = "connection_lost"
    }

    public var code: Code
    public var message: String
    /// The transport library's name for what failed (`LIBSSH2_ERROR_SOCKET_RECV`), when it reported it.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// Any error as a `HostError`: a `HostError` as it is, cancellation as "cancelled", anything else (which the
    /// transports do not throw) as a lost connection that says what it was.
    public init(_ error: any Error) {
        if let error = error as? HostError {
            self = error
        } else if error is CancellationError {
            self.init(.connectionLost, "cancelled")
        } else {
            self.init(.connectionLost, "the connection failed unexpectedly: \(error)")
        }
    }

    public var description: String { message }
}
