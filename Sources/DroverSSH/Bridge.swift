internal import CLibSSH2
import DroverModel
import Foundation

/// A `direct-tcpip` channel through a jump host, pumped to one end of a socketpair whose other end is an
/// ordinary (inner) SSH session: ProxyJump without threads or a local listener.
///
/// Many bridges share one jump session. libssh2 allows one half-sent write per session, so a bridge whose
/// write returned EAGAIN holds the session's `writeOwner` token until that same write completes; the
/// others only read meanwhile. Advanced on the reactor thread only.
final class Bridge: @unchecked Sendable {
    private enum Phase { case opening, open, closing, freeing, finished }

    /// Our end of the socketpair.
    let localFD: Int32
    private var innerFD: Int32
    private let target: [CChar]
    private let targetName: String
    private let port: Int32
    private let jumpLabel: String
    private let openTimeout: Duration
    /// Until the channel is open: when to give up on the jump host.
    private(set) var openDeadline: ContinuousClock.Instant?
    private var phase = Phase.opening
    private var channel: OpaquePointer?
    private var opened: CheckedContinuation<Int32, any Error>?
    private var toLocal: [UInt8] = []
    private var toLocalSent = 0
    private var toRemote: [UInt8] = []
    private var toRemoteSent = 0
    private var localEOF = false
    private var remoteEOF = false
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// - Throws: when the socketpair cannot be made.
    init(
        target: String, port: Int, jumpLabel: String, timeout: Duration,
        opened: CheckedContinuation<Int32, any Error>
    ) throws {
        var pair: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &pair) == 0 else {
            throw HostError(.connectionLost, "cannot create a socketpair: \(String(cString: strerror(errno)))")
        }
        localFD = pair[0]
        innerFD = pair[1]
        self.target = Array(target.utf8CString)
        self.targetName = target
        self.port = Int32(port)
        self.jumpLabel = jumpLabel
        self.openTimeout = timeout
        self.openDeadline = .now + timeout
        self.opened = opened
    }

    deinit {
        Foundation.close(localFD)
        if innerFD >= 0 { Foundation.close(innerFD) }
    }

    var isFinished: Bool { phase == .finished }

    /// What to wait for on our end of the socketpair.
    var localEvents: Int16 {
        guard phase == .open else { return 0 }
        var events: Int16 = 0
        if !localEOF && toRemote.isEmpty { events |= Int16(POLLIN) }
        if !toLocal.isEmpty { events |= Int16(POLLOUT) }
        return events
    }

    /// The jump session failed or closed under us.
    func fail(_ error: any Error) {
        opened?.resume(throwing: error)
        opened = nil
        channel = nil  // freed with the session
        phase = .finished
    }

    /// Moves what it can without blocking. Returns whether anything moved.
    func pump(_ core: SessionCore) -> Bool {
        guard let session = core.session else {
            fail(HostErrorFactory.connectionLost(targetName, "the jump session \(jumpLabel) is gone"))
            return true
        }
        let me = ObjectIdentifier(self)
        let mayWrite = core.writeOwner == nil || core.writeOwner == me
        switch phase {
        case .opening:
            if let openDeadline, ContinuousClock.now >= openDeadline {
                // The channel request may be half-sent: the jump session is not ours to reuse safely,
                // but the other tunnels on it are healthy, so only this one gives up.
                if core.writeOwner == me { core.writeOwner = nil }
                fail(
                    HostErrorFactory.unreachable(
                        targetName,
                        "the jump host \(jumpLabel) did not open a tunnel within \(openTimeout.formatted)"))
                return true
            }
            guard mayWrite else { return false }
            channel = target.withUnsafeBufferPointer {
                libssh2_channel_direct_tcpip_ex(session, $0.baseAddress, port, "127.0.0.1", 22)
            }
            if channel == nil {
                if LibSSH2.wouldBlock(session) {
                    core.writeOwner = me
                    return false
                }
                core.writeOwner = nil
                let reason = LibSSH2.lastError(session).message
                fail(
                    HostErrorFactory.unreachable(
                        targetName, "the jump host \(jumpLabel) could not open a tunnel to it (\(reason))"))
                return true
            }
            core.writeOwner = nil
            phase = .open
            openDeadline = nil
            let handedOver = innerFD
            innerFD = -1  // the inner session owns it now
            opened?.resume(returning: handedOver)
            opened = nil
            return true
        case .open:
            var progressed = false
            if pumpToLocal(session) { progressed = true }
            if pumpToRemote(core, mayWrite: mayWrite) { progressed = true }
            if localEOF && toRemote.isEmpty {
                phase = .closing
                progressed = true
            }
            return progressed
        case .closing:
            guard mayWrite else { return false }
            let rc = libssh2_channel_close(channel)
            if rc == LibSSH2.eagain {
                core.writeOwner = me
                return false
            }
            core.writeOwner = nil
            phase = .freeing
            return true
        case .freeing:
            if libssh2_channel_free(channel) == LibSSH2.eagain { return false }
            channel = nil
            phase = .finished
            return true
        case .finished:
            return false
        }
    }

    /// Channel → socketpair.
    private func pumpToLocal(_ session: OpaquePointer) -> Bool {
        var progressed = false
        if toLocal.isEmpty && !remoteEOF {
            let count = buffer.withUnsafeMutableBytes {
                libssh2_channel_read_ex(channel, 0, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            if count > 0 {
                toLocal = Array(buffer[0..<count])
                toLocalSent = 0
                progressed = true
            } else if count == 0 || count == LibSSH2.eagain || count == Int(LIBSSH2_ERROR_BAD_USE) {
                if libssh2_channel_eof(channel) == 1 {
                    remoteEOF = true
                    shutdown(localFD, Int32(SHUT_WR))
                    progressed = true
                }
            } else {
                // The tunnel broke: the inner session sees EOF and reports it.
                remoteEOF = true
                localEOF = true
                return true
            }
        }
        if !toLocal.isEmpty {
            let written = toLocal.withUnsafeBytes {
                send(localFD, $0.baseAddress!.advanced(by: toLocalSent), toLocal.count - toLocalSent, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                toLocalSent += written
                if toLocalSent == toLocal.count { toLocal.removeAll(keepingCapacity: true) }
                progressed = true
            } else if written < 0 && errno != EAGAIN {
                localEOF = true  // the inner session is gone
                toLocal.removeAll()
                progressed = true
            }
        }
        return progressed
    }

    /// Socketpair → channel.
    private func pumpToRemote(_ core: SessionCore, mayWrite: Bool) -> Bool {
        var progressed = false
        if toRemote.isEmpty && !localEOF {
            let count = buffer.withUnsafeMutableBytes { read(localFD, $0.baseAddress, $0.count) }
            if count > 0 {
                toRemote = Array(buffer[0..<count])
                toRemoteSent = 0
                progressed = true
            } else if count == 0 || (count < 0 && errno != EAGAIN) {
                localEOF = true
                progressed = true
            }
        }
        while !toRemote.isEmpty && mayWrite {
            let written = toRemote.withUnsafeBytes {
                libssh2_channel_write_ex(
                    channel, 0, $0.baseAddress!.advanced(by: toRemoteSent).assumingMemoryBound(to: CChar.self),
                    toRemote.count - toRemoteSent)
            }
            if written == LibSSH2.eagain {
                // Same call, same arguments next time; nobody else writes until then.
                core.writeOwner = ObjectIdentifier(self)
                break
            }
            core.writeOwner = nil
            if written < 0 {
                localEOF = true
                toRemote.removeAll()
                return true
            }
            toRemoteSent += written
            progressed = true
            if toRemoteSent == toRemote.count { toRemote.removeAll(keepingCapacity: true) }
        }
        return progressed
    }
}
