internal import CLibSSH2
import Foundation

/// The one place that initialises libssh2 and turns its error codes into words.
enum LibSSH2 {
    /// `libssh2_init` must run exactly once, before any concurrency (LIBSSH2.md).
    static let initialised: Bool = {
        libssh2_init(0) == 0
    }()

    static let eagain = Int32(LIBSSH2_ERROR_EAGAIN)

    /// The session's last error: its code and libssh2's own message (for logs, never for a sentence).
    static func lastError(_ session: OpaquePointer) -> (code: Int32, message: String) {
        var message: UnsafeMutablePointer<CChar>? = nil
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        let text = message.map { String(cString: $0) } ?? "libssh2 error"
        return (code, text)
    }

    /// libssh2's name for an error code (`LIBSSH2_ERROR_SOCKET_RECV`), from the shim.
    static func errorName(_ code: Int32) -> String {
        drover_libssh2_error_name(code).map { String(cString: $0) } ?? "libssh2 error \(code)"
    }

    /// True when the last pointer-returning call returned NULL only because it would block.
    static func wouldBlock(_ session: OpaquePointer) -> Bool {
        libssh2_session_last_errno(session) == eagain
    }
}

/// Host key types as libssh2 names and numbers them, with the names OpenSSH prints.
struct HostKeyType: Sendable, Hashable {
    /// `LIBSSH2_HOSTKEY_TYPE_*`.
    let sessionType: Int32
    /// `LIBSSH2_KNOWNHOST_KEY_*`.
    let knownHostBits: Int32
    /// The SSH algorithm name (`ssh-ed25519`).
    let name: String
    /// Whether libssh2 1.10 can verify a handshake signed with it against OpenSSH ≥ 8.8.
    let usable: Bool

    static let ed25519 = HostKeyType(
        sessionType: LIBSSH2_HOSTKEY_TYPE_ED25519, knownHostBits: LIBSSH2_KNOWNHOST_KEY_ED25519, name: "ssh-ed25519",
        usable: true)
    static let ecdsa256 = HostKeyType(
        sessionType: LIBSSH2_HOSTKEY_TYPE_ECDSA_256, knownHostBits: LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
        name: "ecdsa-sha2-nistp256", usable: true)
    static let ecdsa384 = HostKeyType(
        sessionType: LIBSSH2_HOSTKEY_TYPE_ECDSA_384, knownHostBits: LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
        name: "ecdsa-sha2-nistp384", usable: true)
    static let ecdsa521 = HostKeyType(
        sessionType: LIBSSH2_HOSTKEY_TYPE_ECDSA_521, knownHostBits: LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
        name: "ecdsa-sha2-nistp521", usable: true)
    static let rsa = HostKeyType(
        sessionType: LIBSSH2_HOSTKEY_TYPE_RSA, knownHostBits: LIBSSH2_KNOWNHOST_KEY_SSHRSA, name: "ssh-rsa",
        usable: false)

    static let all: [HostKeyType] = [.ed25519, .ecdsa256, .ecdsa384, .ecdsa521, .rsa]

    static func forSession(_ type: Int32) -> HostKeyType? { all.first { $0.sessionType == type } }
}
