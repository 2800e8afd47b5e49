import DroverModel
import Foundation
import Synchronization

/// Settings for every SSH session a transport opens.
public struct SSHOptions: Sendable {
    /// TCP connect, handshake and login together must finish within this.
    public var connectTimeout: Duration
    /// An idle session sends a keepalive this often.
    public var keepalive: Duration
    /// How many bytes of each output stream a ``CommandResult`` keeps.
    public var outputTailLimit: Int
    /// How many logins (TCP connect, handshake, authentication) run at once. Sessions are cheap but a
    /// handshake costs CPU on both ends: thousands at once only make each one miss its timeout. The
    /// connect timeout counts from when a login starts, not from when it was queued.
    public var concurrentLogins: Int
    /// Asked once per encrypted key file that has no passphrase variable (the CLI prompts on the terminal).
    public var passphraseProvider: (@Sendable (_ keyPath: String) -> String?)?
    /// The ssh-agent socket to offer keys from; nil for none. Defaults to `SSH_AUTH_SOCK`.
    public var agentSocket: String?
    /// How a session runs its commands.
    public var commands: CommandChannels

    /// How a session runs its commands.
    public enum CommandChannels: Sendable {
        /// Each command on a channel of its own: the host forks sshd and the login shell for it, and a command
        /// killed by a signal is reported by the signal's name. Right for one command per host.
        case perCommand
        /// One remote shell per session runs the commands one after another (a command with stdin input still
        /// gets its own channel): about half the host CPU and a third of the round trips per command, for
        /// sessions that run many. The shell sees a command killed by signal n as exit status 128+n.
        case sharedShell
    }

    public init(
        connectTimeout: Duration = .seconds(10),
        keepalive: Duration = .seconds(15),
        outputTailLimit: Int = 64 * 1024,
        concurrentLogins: Int = 100,
        passphraseProvider: (@Sendable (String) -> String?)? = nil,
        agentSocket: String? = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"].flatMap { $0.isEmpty ? nil : $0 },
        commands: CommandChannels = .perCommand
    ) {
        self.commands = commands
        self.agentSocket = agentSocket
        self.connectTimeout = connectTimeout
        self.keepalive = keepalive
        self.outputTailLimit = outputTailLimit
        self.concurrentLogins = concurrentLogins
        self.passphraseProvider = passphraseProvider
    }
}

/// Everything one connect needs, resolved before it reaches the reactor.
struct ConnectRequest: @unchecked Sendable {
    let host: String
    let port: Int
    let user: String
    let address: SocketAddress?
    /// One end of a socketpair bridged through a jump host, instead of a TCP connection to `address`.
    let tunnelFD: Int32?
    let timeout: Duration
    /// What the name lookup already took of `timeout` (zero for an address).
    var lookupTook: Duration = .zero
    let keepalive: Duration
    let knownHosts: KnownHosts
    let credentials: Credentials
}

/// The per-host agent: libssh2 sessions driven by one event-loop thread, behind ``HostTransport``.
public final class SSHTransport: HostTransport {
    public let options: SSHOptions
    private let knownHosts = Mutex<[String: KnownHosts]>([:])
    private let keys = Mutex<[String: PrivateKey]>([:])
    private let jumps = Mutex<[String: JumpEntry]>([:])

    private struct JumpEntry: Sendable {
        var task: Task<SessionCore, any Error>
        var core: SessionCore?
    }

    private let logins: AsyncLimiter
    /// The event loop that drives this transport's sessions.
    let reactor: Reactor

    public convenience init(options: SSHOptions = SSHOptions()) {
        self.init(options: options, reactor: .shared)
    }

    init(options: SSHOptions, reactor: Reactor) {
        self.options = options
        self.logins = AsyncLimiter(limit: options.concurrentLogins)
        self.reactor = reactor
    }

    deinit {
        for core in jumps.withLock({ $0.values.compactMap(\.core) }) { reactor.close(core) }
    }

    public func connect(to host: DroverModel.Host) async throws -> any HostConnection {
        let core = try await session(for: host.connection, name: host.name)
        return SSHConnection(core: core, options: options, reactor: reactor)
    }

    /// Connects, verifies and logs in, directly or through the settings' jump hosts (in order).
    private func session(for settings: ConnectionSettings, name: String) async throws -> SessionCore {
        var label = name == settings.address ? name : "\(name) (\(settings.address))"
        var tunnel: Int32? = nil
        var address: SocketAddress? = nil
        var lookupTook = Duration.zero
        if let jump = settings.proxyJump.last {
            var jumpSettings = settings
            jumpSettings.address = jump.address
            jumpSettings.port = jump.port
            jumpSettings.user = jump.user ?? settings.user
            jumpSettings.proxyJump = Array(settings.proxyJump.dropLast())
            let jumpCore = try await jumpSession(for: jumpSettings)
            label += " via \(jump.address)"
            tunnel = try await reactor.openBridge(
                on: jumpCore, to: settings.address, port: settings.port, jumpLabel: jumpCore.label,
                timeout: options.connectTimeout)
        } else {
            let started = ContinuousClock.now
            address = try await SocketAddress.resolve(
                settings.address, port: settings.port, label: label, within: options.connectTimeout)
            lookupTook = .now - started
        }
        var request = ConnectRequest(
            host: settings.address, port: settings.port, user: settings.user, address: address, tunnelFD: tunnel,
            timeout: options.connectTimeout, keepalive: options.keepalive,
            knownHosts: knownHostsStore(for: settings), credentials: try credentials(for: settings))
        request.lookupTook = lookupTook
        let core = SessionCore(label: label, fd: tunnel ?? -1)
        try await logins.withPermit {
            try await reactor.submit(on: core) { ConnectOperation(request: request, continuation: $0) }
        }
        return core
    }

    /// One shared session per jump host (and chain), opened on first use and kept for the transport's life.
    private func jumpSession(for settings: ConnectionSettings) async throws -> SessionCore {
        let key = (settings.proxyJump + [ConnectionSettings.Jump(address: settings.address, port: settings.port,
            user: settings.user)]).map { "\($0.user ?? "")@\($0.address):\($0.port)" }.joined(separator: ",")
        let task = jumps.withLock { cache -> Task<SessionCore, any Error> in
            if let entry = cache[key] { return entry.task }
            let task = Task { try await self.session(for: settings, name: settings.address) }
            cache[key] = JumpEntry(task: task)
            return task
        }
        let core = try await task.value
        jumps.withLock { $0[key]?.core = core }
        return core
    }

    private func knownHostsStore(for settings: ConnectionSettings) -> KnownHosts {
        let files = settings.knownHostsFiles.isEmpty
            ? [Self.expandingTilde("~/.ssh/known_hosts")] : settings.knownHostsFiles
        let key = settings.hostKeyPolicy.rawValue + "\n" + files.joined(separator: "\n")
        return knownHosts.withLock { cache in
            if let store = cache[key] { return store }
            let store = KnownHosts(files: files, policy: settings.hostKeyPolicy)
            cache[key] = store
            return store
        }
    }

    /// Agent, key files (read once per process) and password for one host.
    private func credentials(for settings: ConnectionSettings) throws -> Credentials {
        let home = Self.home
        let explicit = !settings.identityFiles.isEmpty
        let paths = explicit
            ? settings.identityFiles.map(Self.expandingTilde)
            : ["\(home)/.ssh/id_ed25519", "\(home)/.ssh/id_ecdsa"].filter { FileManager.default.fileExists(atPath: $0) }
        var loaded: [PrivateKey] = []
        for path in paths {
            loaded.append(try key(at: path, passphraseEnvironment: settings.passphraseEnvironment))
        }
        var password: Secret? = nil
        switch settings.password {
        case .environment(let name)?:
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw HostError(.credentials, "the password variable \(name) is not set")
            }
            password = Secret(value: value)
        case .file(let path)?:
            guard let data = FileManager.default.contents(atPath: Self.expandingTilde(path)) else {
                throw HostError(.credentials, "cannot read the password file \(path)")
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            password = Secret(value: text)
        case nil:
            break
        }
        var hint: String? = nil
        if !explicit && FileManager.default.fileExists(atPath: "\(home)/.ssh/id_rsa") {
            hint = "~/.ssh/id_rsa was not tried: libssh2 1.10 cannot sign with rsa-sha2, which OpenSSH 8.8+ requires; "
                + "use an ed25519 or ECDSA key."
        }
        return Credentials(agentSocket: options.agentSocket, keys: loaded, password: password, hint: hint)
    }

    /// The user's home directory, looked up once (each lookup reads the user database: it was 1.5% of a
    /// 200-host fan-out's CPU, asked three times per host).
    private static let home = NSString(string: "~").expandingTildeInPath

    /// `~/x` → `$HOME/x` without a user-database lookup; `~user/x` the long way.
    private static func expandingTilde(_ path: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return NSString(string: path).expandingTildeInPath
    }

    private func key(at path: String, passphraseEnvironment: String?) throws -> PrivateKey {
        if let cached = keys.withLock({ $0[path] }) { return cached }
        var key = try PrivateKey.load(path: path, passphrase: nil)
        if key.encrypted {
            if let name = passphraseEnvironment, let value = ProcessInfo.processInfo.environment[name] {
                key.passphrase = Secret(value: value)
            } else if let value = options.passphraseProvider?(path) {
                key.passphrase = Secret(value: value)
            } else {
                throw HostError(
                    .credentials,
                    "the key \(path) is passphrase-protected: put the passphrase in an environment variable named "
                        + "by drover_passphrase_env, run drover on a terminal to be asked, or load the key into ssh-agent")
            }
        }
        keys.withLock { $0[path] = key }
        return key
    }
}

/// One authenticated session with one host; commands run one after another over it.
final class SSHConnection: HostConnection {
    let core: SessionCore
    private let options: SSHOptions
    private let reactor: Reactor

    init(core: SessionCore, options: SSHOptions, reactor: Reactor) {
        self.core = core
        self.options = options
        self.reactor = reactor
    }

    func run(
        _ command: String, input: [UInt8], timeout: Duration,
        output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?
    ) async throws -> CommandResult {
        let (core, tailLimit) = (core, options.outputTailLimit)
        if options.commands == .sharedShell && input.isEmpty {
            return try await reactor.submit(on: core) {
                ShellOperation(
                    command: command, timeout: timeout, tailLimit: tailLimit, label: core.label, output: output,
                    continuation: $0)
            }
        }
        return try await reactor.submit(on: core) {
            ExecOperation(
                command: command, input: input, timeout: timeout, tailLimit: tailLimit, label: core.label,
                output: output, continuation: $0)
        }
    }

    func upload(localPath: String, remotePath: String, mode: Int32) async throws {
        let fd = open(localPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw HostError(.transfer, "cannot read \(localPath): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Foundation.close(fd)
            throw HostError(.transfer, "cannot stat \(localPath)")
        }
        let directory = (remotePath as NSString).deletingLastPathComponent
        let name = (remotePath as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).drover-\(UInt32.random(in: 0...UInt32.max))"
        // 1 minute plus 1 second per MiB: generous, but bounded.
        let timeout = Duration.seconds(60 + Int(info.st_size) / (1 << 20))
        let core = core
        do {
            try await reactor.submit(on: core) {
                UploadOperation(
                    localFD: fd, size: Int(info.st_size), remotePath: temporary, mode: mode, timeout: timeout,
                    label: core.label, continuation: $0)
            }
        } catch {
            _ = try? await run("rm -f -- \(ShellQuote.quote(temporary))", timeout: .seconds(30))
            throw error
        }
        // rename(2) on the host: atomic, and it replaces an existing file (SFTP v3 rename would not).
        let moved = try await run(
            "mv -f -- \(ShellQuote.quote(temporary)) \(ShellQuote.quote(remotePath))", timeout: .seconds(60))
        if !moved.succeeded {
            _ = try? await run("rm -f -- \(ShellQuote.quote(temporary))", timeout: .seconds(30))
            throw HostError(
                .transfer,
                "\(core.label): upload arrived but could not be moved into \(remotePath): "
                    + moved.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    func close() async {
        try? await reactor.submit(on: core) { CloseOperation(continuation: $0) }
    }
}

extension Reactor {
    /// Opens a `direct-tcpip` channel to `target:port` through the jump session `core`; returns the
    /// socket the inner session should use.
    func openBridge(
        on core: SessionCore, to target: String, port: Int, jumpLabel: String, timeout: Duration
    ) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            do {
                let bridge = try Bridge(
                    target: target, port: port, jumpLabel: jumpLabel, timeout: timeout, opened: continuation)
                attach(bridge, to: core)
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Enqueues the operation `make` builds on `core` and awaits its result; cancelling the task abandons it.
    func submit<T: Sendable>(
        on core: SessionCore,
        _ make: @escaping (CheckedContinuation<T, any Error>) -> some ContinuationOperation<T> & ReactorOperation
    ) async throws -> T {
        let box = OperationBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let operation = make(continuation)
                box.set(operation)
                self.add(core)
                self.enqueue(operation, on: core)
                // Cancelled before the operation existed: the handler below found nothing to cancel.
                if Task.isCancelled { self.cancel(operation, on: core) }
            }
        } onCancel: {
            if let operation = box.get() { self.cancel(operation, on: core) }
        }
    }
}

/// Hands an operation to a cancellation handler that may run on another thread.
private final class OperationBox: @unchecked Sendable {
    private let lock = NSLock()
    private var operation: (any ReactorOperation)?
    func set(_ operation: any ReactorOperation) { lock.withLock { self.operation = operation } }
    func get() -> (any ReactorOperation)? { lock.withLock { operation } }
}
