internal import CLibSSH2
import DroverModel
import Foundation

/// One host's socket and libssh2 session, owned by the reactor thread; `deinit` frees them.
///
/// Invariant: every member is touched only on the reactor thread (operations run there), except the
/// immutable `label`. That is what makes the `@unchecked Sendable` sound.
final class SessionCore: @unchecked Sendable {
    /// For messages: `host007 (127.0.1.7:22)`.
    let label: String
    var fd: Int32 = -1
    var session: OpaquePointer?
    var sftp: OpaquePointer?
    /// The shared shell (``ShellOperation``), once its channel is open; nil again when it ends (its channel is
    /// freed with the session).
    var shell: SharedShell?
    var queue: [any ReactorOperation] = []
    /// Read buffer shared by every operation: they all run on the reactor thread, one at a time.
    var scratch: [UInt8] {
        get { Self.sharedScratch }
        _modify { yield &Self.sharedScratch }
    }
    nonisolated(unsafe) private static var sharedScratch = [UInt8](repeating: 0, count: 64 * 1024)
    /// Channels tunnelled through this session to other hosts (when it is a ProxyJump host).
    var bridges: [Bridge] = []
    /// The bridge whose write libssh2 left half-sent: only it may write until that write completes.
    var writeOwner: ObjectIdentifier?
    var wantsAdvance = false
    var waitEvents: Int16 = 0
    private(set) var isClosed = false
    /// Why the session ended badly, for operations submitted after that.
    private(set) var failure: HostError?
    private var keepaliveInterval: Duration?
    private var lastActivity = ContinuousClock.now
    /// What libssh2 reads and writes go through (the session's `abstract`): the read budget per turn of the
    /// reactor, the socket's errno, the first bytes the server sent.
    let io: UnsafeMutablePointer<drover_session_io>

    /// How many bytes one session may read per turn of the reactor. A peer that sends without end then costs the
    /// others a turn's delay, not all their time (libssh2 keeps reading inside one call while bytes keep coming).
    static let readBudget = 1 << 20

    /// - Parameter fd: an already-connected socket to own (a tunnel through a jump host), or -1.
    init(label: String, fd: Int32 = -1) {
        self.label = label
        self.fd = fd
        io = .allocate(capacity: 1)
        io.initialize(to: drover_session_io())
        io.pointee.budget = Self.readBudget
    }

    /// Creates the libssh2 session, reading and writing through `io`.
    func makeSession() -> OpaquePointer? {
        session = drover_session_new(io)
        return session
    }

    /// A new turn of the reactor: the session may read its budget again.
    func refillReadBudget() {
        io.pointee.starved = 0
        io.pointee.budget = Self.readBudget
    }

    /// The budget ran out during this turn.
    var readBudgetSpent: Bool { io.pointee.starved != 0 }

    var head: (any ReactorOperation)? { queue.first }

    /// The poll events libssh2 is waiting for (POLLIN when it says nothing: it is waiting to read).
    var libssh2Events: Int16 {
        guard let session else { return Int16(POLLIN) }
        let directions = libssh2_session_block_directions(session)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        return events == 0 ? Int16(POLLIN) : events
    }

    /// `.blocked` on whatever libssh2 waits for.
    var blocked: OperationStep { .blocked(events: libssh2Events) }

    func enableKeepalive(every interval: Duration) {
        guard let session else { return }
        keepaliveInterval = interval
        libssh2_keepalive_config(session, 1, UInt32(interval.components.seconds))
    }

    func touch(now: ContinuousClock.Instant) { lastActivity = now }

    func keepaliveDue(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard head == nil, bridges.isEmpty, let keepaliveInterval, session != nil, !isClosed else { return nil }
        return lastActivity + keepaliveInterval
    }

    /// Sends a keepalive when the session has been idle for the interval (never while an operation runs). A
    /// keepalive that cannot be sent means the connection is gone: the session ends with a sentence saying so, which
    /// its next command gets.
    func sendKeepaliveIfDue(now: ContinuousClock.Instant) {
        guard let due = keepaliveDue(now: now), due <= now, let session else { return }
        var next: Int32 = 0
        let rc = libssh2_keepalive_send(session, &next)
        lastActivity = now
        if rc != 0 && rc != LibSSH2.eagain { teardown(libssh2Failure(during: .keepalive)) }
    }

    enum WriteProgress { case done, blocked, failed }

    /// Writes all of `bytes` to `channel` (what was written is removed), as far as libssh2 takes them now.
    /// libssh2 allows one half-sent write per session: while one is pending, only its `owner` may write.
    func write(_ bytes: inout [UInt8], to channel: OpaquePointer?, owner: ObjectIdentifier) -> WriteProgress {
        while !bytes.isEmpty {
            guard writeOwner == nil || writeOwner == owner else { return .blocked }
            let written = bytes.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { libssh2_channel_write_ex(channel, 0, $0.baseAddress, $0.count) }
            }
            if written == LibSSH2.eagain {
                writeOwner = owner
                return .blocked
            }
            if written < 0 { return .failed }
            bytes.removeFirst(written)
            writeOwner = bytes.isEmpty ? nil : owner
        }
        if writeOwner == owner { writeOwner = nil }
        return .done
    }

    struct SharedShell {
        let channel: OpaquePointer
        /// Whether `sh` runs on the channel.
        var started = false
        /// The shell's process id, which it prints first: what an interrupted command is found by.
        var pid: Int32?
        /// The shell started and no command has taken on reading its first line yet.
        var pidUnread = false
    }

    enum ShellStart {
        case ready, blocked
        case failed
    }

    /// Opens the shared shell's channel and starts `sh` on it (through the login shell), without blocking.
    func startShell() -> ShellStart {
        guard let session else { return .failed }
        if shell == nil {
            let channel = libssh2_channel_open_ex(
                session, "session", 7, UInt32(drover_libssh2_channel_window_default),
                UInt32(drover_libssh2_channel_packet_default), nil, 0)
            guard let channel else {
                return LibSSH2.wouldBlock(session) ? .blocked : .failed
            }
            shell = SharedShell(channel: channel)
        }
        if shell?.started == false {
            let rc = Self.shellCommand.withUnsafeBufferPointer {
                libssh2_channel_process_startup(shell?.channel, "exec", 4, $0.baseAddress, UInt32($0.count))
            }
            if rc == LibSSH2.eagain { return .blocked }
            if rc != 0 { return .failed }
            shell?.started = true
            shell?.pidUnread = true
        }
        return .ready
    }

    /// What the login shell runs on the shared shell's channel: `sh`, after it printed its process id.
    private static let shellCommand = Array("exec sh -c 'echo drover-shell-pid $$; exec sh'".utf8CString.dropLast())
    /// How the shell's first line starts.
    static let shellPIDPrefix = Array("drover-shell-pid ".utf8)

    /// Moves data through every tunnelled channel until none makes progress (bounded), dropping finished ones.
    /// One transport read can queue packets for several channels, so all are retried after any progress.
    func pumpBridges() {
        for _ in 0..<64 {
            var progressed = false
            for bridge in bridges where bridge.pump(self) { progressed = true }
            bridges.removeAll { $0.isFinished }
            if !progressed || isClosed { break }
        }
    }

    /// Fails every queued operation and frees the session. `error` nil means an orderly close.
    func teardown(_ error: HostError?) {
        guard !isClosed else { return }
        isClosed = true
        failure = error
        let pending = queue
        queue.removeAll()
        let tunnels = bridges
        bridges.removeAll()
        for bridge in tunnels { bridge.fail(error ?? HostErrorFactory.connectionLost(label, "the jump session was closed")) }
        for operation in pending {
            operation.abandon(error ?? HostErrorFactory.connectionLost(label, "the session was closed"))
        }
        release()
    }

    /// Tests only: runs on the reactor thread just before the session is freed.
    var beforeRelease: (() -> Void)?

    /// Frees everything at once; libssh2_session_free frees the channels (the shell's too) and the SFTP handle.
    private func release() {
        if session != nil, let hook = beforeRelease {
            beforeRelease = nil
            hook()
        }
        sftp = nil
        shell = nil
        if let session {
            libssh2_session_free(session)
            self.session = nil
        }
        if fd >= 0 {
            Foundation.close(fd)
            fd = -1
        }
    }

    deinit {
        release()
        io.deallocate()
    }
}
