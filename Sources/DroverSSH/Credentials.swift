internal import CLibSSH2
import DroverModel
import Foundation

/// The result of one step of one login method.
enum AuthStep {
    case wouldBlock
    case accepted
    case rejected
    case failed(HostError)
    /// libssh2 failed for another reason than the credential (the connection broke): the session's last error says.
    case sessionFailed
}

/// One way of logging in (agent, a key, a password), advanced on the reactor thread.
protocol AuthMethod: AnyObject, CustomStringConvertible {
    func step(session: OpaquePointer, user: String) -> AuthStep
}

/// Everything a host may log in with, loaded before connecting (files read, passphrases asked for).
///
/// Secrets stay in memory only; `description`s never include them.
struct Credentials: Sendable {
    var agentSocket: String?
    var keys: [PrivateKey]
    var password: Secret?
    /// A sentence added to an auth failure (e.g. why an RSA key was skipped).
    var hint: String?

    /// Fresh per-connection method objects for the methods the server allows, in OpenSSH's order.
    func attempts(allowed: Set<String>) -> [any AuthMethod] {
        var methods: [any AuthMethod] = []
        if allowed.contains("publickey") {
            if let agentSocket { methods.append(AgentAuth(socket: agentSocket)) }
            methods += keys.map { KeyAuth(key: $0) }
        }
        if let password, allowed.contains("password") { methods.append(PasswordAuth(password: password)) }
        return methods
    }
}

/// A secret string that never prints itself.
struct Secret: Sendable, CustomStringConvertible {
    let value: String
    var description: String { "********" }
}

final class KeyAuth: AuthMethod {
    let key: PrivateKey
    init(key: PrivateKey) { self.key = key }
    var description: String { "key \(key.path) (\(key.type))" }

    /// The `void **abstract` libssh2 hands the sign callback; it must stay put across EAGAIN retries.
    private let abstract = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)

    deinit { abstract.deallocate() }

    func step(session: OpaquePointer, user: String) -> AuthStep {
        let rc: Int32
        if let signer = key.signer {
            abstract.pointee = UnsafeMutableRawPointer(signer.key)
            rc = signer.publicKeyBlob.withUnsafeBufferPointer { blob in
                libssh2_userauth_publickey(session, user, blob.baseAddress, blob.count, drover_ed25519_sign, abstract)
            }
        } else {
            rc = key.pem.withUnsafeBufferPointer { pem in
                libssh2_userauth_publickey_frommemory(
                    session, user, user.utf8.count, nil, 0, pem.baseAddress, pem.count, key.passphrase?.value)
            }
        }
        switch rc {
        case 0: return .accepted
        case LibSSH2.eagain: return .wouldBlock
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: return .rejected
        case LIBSSH2_ERROR_FILE, LIBSSH2_ERROR_KEYFILE_AUTH_FAILED:
            return .failed(
                HostError(
                    .credentials,
                    "cannot use the key \(key.path): " + (key.passphrase == nil
                        ? "it could not be read (is it encrypted? set its passphrase variable)"
                        : "wrong passphrase or unreadable key")))
        default:
            return .sessionFailed
        }
    }
}

final class PasswordAuth: AuthMethod {
    let password: Secret
    init(password: Secret) { self.password = password }
    var description: String { "password" }

    func step(session: OpaquePointer, user: String) -> AuthStep {
        let rc = libssh2_userauth_password_ex(
            session, user, UInt32(user.utf8.count), password.value, UInt32(password.value.utf8.count), nil)
        switch rc {
        case 0: return .accepted
        case LibSSH2.eagain: return .wouldBlock
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PASSWORD_EXPIRED: return .rejected
        default: return .sessionFailed
        }
    }
}

/// ssh-agent: every identity the agent holds, one after the other.
final class AgentAuth: AuthMethod {
    private let socket: String
    private var agent: OpaquePointer?
    private var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
    private var connected = false
    private var exhausted = false
    var description: String { "ssh-agent" }

    init(socket: String) { self.socket = socket }

    deinit {
        if let agent {
            if connected { _ = libssh2_agent_disconnect(agent) }
            libssh2_agent_free(agent)
        }
    }

    func step(session: OpaquePointer, user: String) -> AuthStep {
        if agent == nil {
            agent = libssh2_agent_init(session)
            guard let agent else { return .rejected }
            libssh2_agent_set_identity_path(agent, socket)
            guard libssh2_agent_connect(agent) == 0, libssh2_agent_list_identities(agent) == 0 else {
                return .rejected
            }
            connected = true
            guard nextIdentity() else { return .rejected }
        }
        guard let agent, !exhausted else { return .rejected }
        while true {
            let rc = libssh2_agent_userauth(agent, user, identity)
            switch rc {
            case 0: return .accepted
            case LibSSH2.eagain: return .wouldBlock
            default: if !nextIdentity() { return .rejected }
            }
        }
    }

    private func nextIdentity() -> Bool {
        guard let agent else { return false }
        var next: UnsafeMutablePointer<libssh2_agent_publickey>? = nil
        if libssh2_agent_get_identity(agent, &next, identity) != 0 {
            exhausted = true
            return false
        }
        identity = next
        return true
    }
}
