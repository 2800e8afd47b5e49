internal import CLibSSH2
import DroverModel
import Foundation

/// A libssh2 call that failed, as libssh2 and the socket under it saw it, and the sentence that says what happened.
///
/// Every libssh2 error code maps to one of a few kinds of failure, each said in words an on-call engineer can act on;
/// libssh2's name for the code stays in the error's `cause`, never in the sentence. Pure: tested without sockets.
struct LibSSH2Failure: Sendable {
    /// libssh2's error code (`LIBSSH2_ERROR_*`).
    var code: Int32
    /// errno of the socket call that failed under libssh2 (ECONNRESET, ETIMEDOUT, …); 0 when none did.
    var socketError: Int32 = 0
    /// The host closed the connection (a read returned end of file).
    var peerClosed = false

    /// libssh2's name for the code, kept as the error's machine-readable cause.
    var name: String { LibSSH2.errorName(code) }

    /// What kind of failure the code and the socket's errno make it.
    enum Kind: Equatable {
        case closed, networkDown, socket, timeout, garbled, refused, algorithms, hostKey, auth, agent, keyFile
        case transfer, knownHosts, outOfMemory, misuse, other
    }

    var kind: Kind {
        switch code {
        case LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_CHANNEL_CLOSED: return .closed
        case LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_BANNER_SEND:
            if peerClosed { return .closed }
            switch socketError {
            case 0, ECONNRESET, EPIPE, ENOTCONN, ECONNABORTED: return .closed
            case ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN: return .networkDown
            default: return .socket
            }
        case LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_SOCKET_TIMEOUT: return .timeout
        case LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_INVALID_MAC, LIBSSH2_ERROR_DECRYPT, LIBSSH2_ERROR_PROTO,
            LIBSSH2_ERROR_CHANNEL_OUTOFORDER, LIBSSH2_ERROR_CHANNEL_UNKNOWN, LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED,
            LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED, LIBSSH2_ERROR_OUT_OF_BOUNDARY, LIBSSH2_ERROR_COMPRESS,
            LIBSSH2_ERROR_ZLIB, LIBSSH2_ERROR_ENCRYPT:
            return .garbled
        case LIBSSH2_ERROR_CHANNEL_FAILURE, LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED, LIBSSH2_ERROR_REQUEST_DENIED,
            LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
            return .refused
        case LIBSSH2_ERROR_KEX_FAILURE, LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE, LIBSSH2_ERROR_METHOD_NONE: return .algorithms
        case LIBSSH2_ERROR_HOSTKEY_INIT, LIBSSH2_ERROR_HOSTKEY_SIGN: return .hostKey
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED, LIBSSH2_ERROR_PASSWORD_EXPIRED,
            LIBSSH2_ERROR_PUBLICKEY_PROTOCOL:
            return .auth
        case LIBSSH2_ERROR_AGENT_PROTOCOL: return .agent
        case LIBSSH2_ERROR_FILE, LIBSSH2_ERROR_KEYFILE_AUTH_FAILED: return .keyFile
        case LIBSSH2_ERROR_SCP_PROTOCOL, LIBSSH2_ERROR_SFTP_PROTOCOL: return .transfer
        case LIBSSH2_ERROR_KNOWN_HOSTS: return .knownHosts
        case LIBSSH2_ERROR_ALLOC: return .outOfMemory
        case LIBSSH2_ERROR_INVAL, LIBSSH2_ERROR_INVALID_POLL_TYPE, LIBSSH2_ERROR_EAGAIN, LIBSSH2_ERROR_BUFFER_TOO_SMALL,
            LIBSSH2_ERROR_BAD_USE, LIBSSH2_ERROR_BAD_SOCKET, LIBSSH2_ERROR_CHANNEL_EOF_SENT,
            LIBSSH2_ERROR_CHANNEL_WINDOW_FULL, LIBSSH2_ERROR_RANDGEN:
            return .misuse
        default: return .other
        }
    }

    /// The failure as a sentence about `label` (`host002 (127.0.1.2)`) and what the session was doing.
    func hostError(label: String, during activity: SSHActivity) -> HostError {
        let during = activity.words
        // Before the login completes nothing ran on the host: it could not be reached.
        let lost: HostError.Code = activity == .handshake ? .unreachable : .connectionLost
        let code: HostError.Code
        let message: String
        switch kind {
        case .closed:
            code = lost
            let guess = activity == .handshake
                ? "sshd dropped it (too many logins at once, MaxStartups?) or was killed?" : "rebooted, or sshd killed?"
            message = "the connection to \(label) was closed by the host \(during): \(guess)"
        case .networkDown:
            code = lost
            message = "\(label) stopped answering \(during): the network path to it failed (\(Self.describe(socketError)))."
        case .socket:
            code = lost
            message = "the connection to \(label) failed \(during) (\(Self.describe(socketError)))."
        case .timeout:
            code = lost
            message = "\(label) stopped answering \(during)."
        case .garbled:
            code = lost
            message = "\(label) sent data that is not valid SSH \(during) (corrupted on the way, or not a real sshd?); "
                + "the connection was dropped."
        case .refused:
            code = lost
            message = "\(label) refused a request \(during) (sshd's MaxSessions reached, or its configuration "
                + "forbids it?)."
        case .algorithms:
            code = lost
            message = "\(label) and Drover have no SSH algorithms in common \(during): Drover's libssh2 1.10 needs an "
                + "ed25519 or ECDSA host key and aes-ctr ciphers on the server."
        case .hostKey:
            code = lost
            message = "\(label)'s host key signature did not verify \(during) (a broken server, or someone in "
                + "between?); nothing was sent to it."
        case .auth:
            code = .authRefused
            message = "\(label) did not accept the credentials \(during)."
        case .agent:
            code = .credentials
            message = "ssh-agent answered something Drover did not understand \(during) with \(label)."
        case .keyFile:
            code = .credentials
            message = "a key for \(label) could not be used \(during) (unreadable, encrypted without its passphrase, "
                + "or of a type Drover cannot use)."
        case .transfer:
            code = .transfer
            message = "\(label)'s SFTP server answered something Drover did not understand \(during)."
        case .knownHosts:
            code = .hostKeyUnknown
            message = "the known_hosts file could not be read \(during) with \(label)."
        case .outOfMemory:
            code = .connectionLost
            message = "Drover ran out of memory \(during) with \(label)."
        case .misuse:
            code = .connectionLost
            message = "Drover misused its SSH library \(during) with \(label); this is a bug in Drover, please report it "
                + "with the error's cause."
        case .other:
            code = lost
            message = "the SSH connection to \(label) failed \(during)."
        }
        return HostError(code, message, cause: name)
    }

    /// errno in words ("Connection timed out").
    static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
