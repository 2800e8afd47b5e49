internal import CLibSSH2
import Foundation

/// The one place that initialises libssh2 and turns its error codes into words.
enum LibSSH2 {
    /// `libssh2_init` must run exactly once, before any concurrency (LIBSSH2.md).
    static let initialised: Bool = {
        libssh2_init(0) == 0
    }()

    static let eagain = Int32(LIBSSH2_ERROR_EAGAIN)

    /// The session's last error as `"<message> (code)"`.
    static func lastError(_ session: OpaquePointer) -> (code: Int32, message: String) {
        var message: UnsafeMutablePointer<CChar>? = nil
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        let text = message.map { String(cString: $0) } ?? "libssh2 error"
        return (code, text)
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

    static let ed25519 = HostKeyType(sessionType: 6, knownHostBits: 7 << 18, name: "ssh-ed25519", usable: true)
    static let ecdsa256 = HostKeyType(
        sessionType: 3, knownHostBits: 4 << 18, name: "ecdsa-sha2-nistp256", usable: true)
    static let ecdsa384 = HostKeyType(
        sessionType: 4, knownHostBits: 5 << 18, name: "ecdsa-sha2-nistp384", usable: true)
    static let ecdsa521 = HostKeyType(
        sessionType: 5, knownHostBits: 6 << 18, name: "ecdsa-sha2-nistp521", usable: true)
    static let rsa = HostKeyType(sessionType: 1, knownHostBits: 2 << 18, name: "ssh-rsa", usable: false)

    static let all: [HostKeyType] = [.ed25519, .ecdsa256, .ecdsa384, .ecdsa521, .rsa]

    static func forSession(_ type: Int32) -> HostKeyType? { all.first { $0.sessionType == type } }
}
