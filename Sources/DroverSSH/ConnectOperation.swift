internal import CLibSSH2
import DroverModel
import Foundation

/// TCP connect → SSH handshake → host key verification → authentication, as one non-blocking operation.
final class ConnectOperation: ContinuationOperation<Void>, ReactorOperation {
    private enum Phase {
        case start, tcp, handshake, authList, authenticate, done
    }

    let deadline: ContinuousClock.Instant?
    private let request: ConnectRequest
    private var phase = Phase.start
    private var attempts: [any AuthMethod] = []
    private var attemptIndex = 0
    private var attemptStarted = false
    private var methodsTried: [String] = []
    private var serverMethods = ""

    init(request: ConnectRequest, continuation: CheckedContinuation<Void, any Error>) {
        self.request = request
        // One budget from the name lookup to the end of the login (the lookup's share is already spent).
        self.deadline = .now + request.timeout - request.lookupTook
        super.init(continuation: continuation)
    }

    func advance(_ core: SessionCore, now: ContinuousClock.Instant) -> OperationStep {
        do {
            while true {
                switch phase {
                case .start:
                    if request.tunnelFD != nil {
                        // Already connected through a jump host: the core owns the socketpair end.
                        try startSession(core)
                        phase = .handshake
                        continue
                    }
                    try openSocket(core)
                    phase = .tcp
                    return .blocked(events: Int16(POLLOUT))
                case .tcp:
                    if let step = try finishTCP(core) { return step }
                    try startSession(core)
                    phase = .handshake
                case .handshake:
                    let rc = libssh2_session_handshake(core.session, core.fd)
                    if rc == LibSSH2.eagain { return core.blocked }
                    if rc != 0 { throw handshakeError(core, rc) }
                    try request.knownHosts.verify(session: core.session!, host: request.host, port: request.port)
                    phase = .authList
                case .authList:
                    let user = request.user
                    let list = libssh2_userauth_list(core.session, user, UInt32(user.utf8.count))
                    if list == nil {
                        if LibSSH2.wouldBlock(core.session!) { return core.blocked }
                        if libssh2_userauth_authenticated(core.session) == 1 {
                            phase = .done
                            continue
                        }
                        throw core.libssh2Failure(during: .login)
                    }
                    serverMethods = String(cString: list!)
                    attempts = request.credentials.attempts(allowed: Set(serverMethods.split(separator: ",").map(String.init)))
                    phase = .authenticate
                case .authenticate:
                    if attemptIndex >= attempts.count { throw authRefused() }
                    let attempt = attempts[attemptIndex]
                    if !attemptStarted {
                        methodsTried.append(attempt.description)
                        attemptStarted = true
                    }
                    switch attempt.step(session: core.session!, user: request.user) {
                    case .wouldBlock:
                        return core.blocked
                    case .accepted:
                        phase = .done
                    case .rejected:
                        attemptIndex += 1
                        attemptStarted = false
                    case .failed(let error):
                        throw error
                    case .sessionFailed:
                        throw core.libssh2Failure(during: .login)
                    }
                case .done:
                    core.enableKeepalive(every: request.keepalive)
                    finish(.success(()))
                    return .finished
                }
            }
        } catch {
            finish(.failure(error))
            core.teardown(HostError(error))
            return .finished
        }
    }

    func expire(_ core: SessionCore) -> Bool {
        let seconds = request.timeout.formatted
        let error: HostError
        switch phase {
        case .start, .tcp:
            error = HostErrorFactory.unreachable(
                core.label,
                "no answer to the TCP connection within \(seconds) (host down or a firewall dropping packets)")
        case .handshake:
            error = Self.handshakeStalled(
                label: core.label, timeout: request.timeout, received: core.bytesReceived,
                first: core.firstBytesReceived, banner: core.session.flatMap(Self.banner))
        default:
            error = HostErrorFactory.unreachable(
                core.label,
                "login did not complete within \(seconds) (tried: \(methodsTried.joined(separator: ", ")))")
        }
        finish(.failure(error))
        return false
    }

    // MARK: - Phases

    private func openSocket(_ core: SessionCore) throws {
        let family = request.address!.family
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw HostErrorFactory.unreachable(core.label, "cannot open a socket: \(String(cString: strerror(errno)))")
        }
        core.fd = fd
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = request.address!.withSockaddr { connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            throw HostErrorFactory.unreachable(core.label, connectFailure(errno))
        }
    }

    /// nil when connected; `.blocked` while still connecting.
    private func finishTCP(_ core: SessionCore) throws -> OperationStep? {
        var pfd = pollfd(fd: core.fd, events: Int16(POLLOUT), revents: 0)
        if poll(&pfd, 1, 0) == 0 { return .blocked(events: Int16(POLLOUT)) }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(core.fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error != 0 { throw HostErrorFactory.unreachable(core.label, connectFailure(error)) }
        return nil
    }

    private func connectFailure(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED:
            return "connection refused on \(request.address!.description) (sshd is not running or not listening there)"
        case ETIMEDOUT: return "the TCP connection to \(request.address!.description) timed out"
        case EHOSTUNREACH, ENETUNREACH: return "no route to \(request.address!.description)"
        default: return "cannot connect to \(request.address!.description): \(String(cString: strerror(code)))"
        }
    }

    private func startSession(_ core: SessionCore) throws {
        guard let session = core.makeSession() else {
            throw HostErrorFactory.connectionLost(core.label, "Drover ran out of memory for a new SSH session")
        }
        _ = drover_release_zero_pages(session)
        libssh2_session_set_blocking(session, 0)
        if let preference = request.knownHosts.hostKeyPreference(host: request.host, port: request.port) {
            _ = libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, preference)
        }
    }

    private func handshakeError(_ core: SessionCore, _ rc: Int32) -> HostError {
        let last = LibSSH2.lastError(core.session!)
        if rc == LIBSSH2_ERROR_KEX_FAILURE || rc == LIBSSH2_ERROR_METHOD_NONE {
            let known = request.knownHosts.knownTypeNames(host: request.host, port: request.port)
            if !known.isEmpty {
                return HostError(
                    .hostKeyChanged,
                    "\(core.label): the host offers none of the host key types known_hosts holds for it "
                        + "(\(known.joined(separator: ", "))) — its keys changed or it was reinstalled. "
                        + "Verify the new key out of band, then replace the entry with "
                        + "`ssh-keygen -R \(request.knownHosts.hostPattern(request.host, request.port))`.")
            }
            return HostError(
                .connectionLost,
                "\(core.label): no common algorithms with the server (\(last.message)). libssh2 1.10 needs an "
                    + "ed25519 or ECDSA host key on the server; an RSA-only host is refused by OpenSSH ≥ 8.8.",
                cause: LibSSH2.errorName(rc))
        }
        return Self.handshakeFailed(
            label: core.label, first: core.firstBytesReceived, banner: core.session.flatMap(Self.banner),
            otherwise: core.libssh2Failure(during: .handshake))
    }

    private func authRefused() -> HostError {
        let tried = methodsTried.isEmpty ? "no usable credential was available" : methodsTried.joined(separator: ", ")
        var message =
            "\(request.user)@\(request.host): login refused — tried \(tried); the server accepts \(serverMethods)."
        if let hint = request.credentials.hint { message += " " + hint }
        return HostError(.authRefused, message)
    }
}
