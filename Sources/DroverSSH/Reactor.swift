internal import CLibSSH2
import Foundation
import Glibc

/// What an operation asks of the event loop after a step that could not finish.
enum OperationStep {
    /// Done; the operation has resumed whoever awaited it.
    case finished
    /// Wake me when the socket is ready for these `poll` events (POLLIN / POLLOUT).
    case blocked(events: Int16)
}

/// A unit of work on one ``SessionCore``, advanced only on the reactor thread.
///
/// libssh2 allows one operation in flight per session, so a session runs its operations one at a time,
/// in order. An operation resumes its awaiting continuation exactly once: from `advance` returning
/// `.finished`, from `expire`, or from `abandon`.
protocol ReactorOperation: AnyObject {
    /// When the operation gives up; nil for none.
    var deadline: ContinuousClock.Instant? { get }
    /// Makes as much progress as possible without blocking.
    func advance(_ core: SessionCore, now: ContinuousClock.Instant) -> OperationStep
    /// The deadline passed. Finish now (with a timeout). Returns whether the session is still usable.
    func expire(_ core: SessionCore) -> Bool
    /// The session died or the awaiting task was cancelled: finish with `error` without touching libssh2.
    func abandon(_ error: any Error)
    /// The awaiting task was cancelled while this operation runs. Return true after finishing with
    /// `CancellationError` to stay at the head and end the remote work first (the session then stays
    /// usable); false to be abandoned, which spends the session.
    func interrupt(_ core: SessionCore) -> Bool
}

extension ReactorOperation {
    func interrupt(_ core: SessionCore) -> Bool { false }
}

/// Marks a reactor's thread (see `Reactor.onThisThread`).
private let reactorThreadKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// The event loop: one dedicated thread that drives every SSH session with `poll()`.
///
/// Sessions are never touched from any other thread: callers submit work through a locked inbox and an
/// `eventfd` wakes the loop. Cost per session is a socket and a few kilobytes, not a thread.
///
/// No session keeps the loop to itself: each reads at most its budget per turn (``SessionCore/readBudget``), and
/// one that stopped with more to do is driven again at once, after the others had their turn.
final class Reactor: @unchecked Sendable {
    /// The process-wide loop, started on first use.
    static let shared = Reactor()

    /// `poll(2)`, or a stand-in (tests make it fail).
    typealias Poll = (UnsafeMutablePointer<pollfd>?, nfds_t, Int32) -> Int32

    private enum Message {
        case add(SessionCore)
        case enqueue(SessionCore, any ReactorOperation)
        case cancel(SessionCore, ObjectIdentifier)
        case close(SessionCore)
        case bridge(SessionCore, Bridge)
    }

    // Operations are not Sendable (they are confined to the reactor thread once posted), so a plain
    // lock guards the hand-over instead of a Mutex.
    private let inboxLock = NSLock()
    private var inbox: [Message] = []
    private let wakeFD: Int32
    private let clock = ContinuousClock()
    private let poll: Poll

    // Reactor-thread state.
    /// Sessions with something to do (an operation, a bridge, a wake-up): looked at on every turn of the loop.
    private var sessions: [ObjectIdentifier: SessionCore] = [:]
    /// Open sessions with nothing to do, waiting for their next command (a run keeps a host's session while a later
    /// step or a rollback may need it): looked at only when the first of their keepalives is due, so a loop turn costs the sessions at
    /// work, not every session open. A message about one (a new operation, a close) puts it back in `sessions`.
    private var idle: [ObjectIdentifier: SessionCore] = [:]
    private var idleKeepaliveDue: ContinuousClock.Instant? = nil

    /// Starts a loop on a thread of its own. The process needs only `shared`; tests make their own to fail its poll.
    init(poll: @escaping Poll = { Glibc.poll($0, $1, $2) }) {
        self.poll = poll
        _ = LibSSH2.initialised
        Self.raiseOpenFileLimit()
        // A peer that goes away must be an error code, not a signal that ends the controller.
        signal(SIGPIPE, SIG_IGN)
        wakeFD = drover_eventfd()
        precondition(wakeFD >= 0, "eventfd failed: errno \(errno)")
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "drover-ssh-reactor"
        thread.stackSize = 1 << 20
        thread.start()
    }

    // MARK: - Submission (any thread)

    func add(_ core: SessionCore) { post(.add(core)) }
    func enqueue(_ operation: any ReactorOperation, on core: SessionCore) { post(.enqueue(core, operation)) }
    func cancel(_ operation: any ReactorOperation, on core: SessionCore) {
        post(.cancel(core, ObjectIdentifier(operation)))
    }
    func close(_ core: SessionCore) { post(.close(core)) }
    func attach(_ bridge: Bridge, to core: SessionCore) { post(.bridge(core, bridge)) }

    private func post(_ message: Message) {
        inboxLock.withLock { inbox.append(message) }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: - The loop (reactor thread)

    private func loop() {
        pthread_setspecific(reactorThreadKey, Unmanaged.passUnretained(self).toOpaque())
        var fds: [pollfd] = []
        var polled: [SessionCore] = []
        while true {
            drainInbox()
            let now = clock.now
            var nextDeadline: ContinuousClock.Instant? = nil
            fds.removeAll(keepingCapacity: true)
            polled.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0))
            var quiet: [SessionCore] = []
            for core in sessions.values {
                if core.wantsAdvance { drive(core, now: now) }
                if let deadline = core.head?.deadline, deadline <= now {
                    expireHead(core)
                    if core.wantsAdvance { drive(core, now: now) }
                }
                if core.isClosed {
                    quiet.append(core)
                    continue
                }
                let head = core.head
                if head == nil && core.bridges.isEmpty && !core.wantsAdvance {
                    quiet.append(core)
                    continue
                }
                if let deadline = head?.deadline {
                    nextDeadline = min(nextDeadline ?? deadline, deadline)
                }
                if core.fd >= 0 {
                    var events = head != nil ? core.waitEvents : 0
                    // A jump session always listens: data for any of its channels may arrive.
                    if !core.bridges.isEmpty { events |= core.libssh2Events | Int16(POLLIN) }
                    if events != 0 {
                        fds.append(pollfd(fd: core.fd, events: events, revents: 0))
                        polled.append(core)
                    }
                }
                for bridge in core.bridges {
                    guard let deadline = bridge.openDeadline else { continue }
                    if deadline <= now { core.wantsAdvance = true }
                    nextDeadline = min(nextDeadline ?? deadline, deadline)
                }
                for bridge in core.bridges where bridge.localEvents != 0 {
                    fds.append(pollfd(fd: bridge.localFD, events: bridge.localEvents, revents: 0))
                    polled.append(core)
                }
            }
            for core in quiet {
                sessions[ObjectIdentifier(core)] = nil
                guard !core.isClosed else { continue }
                idle[ObjectIdentifier(core)] = core
                if let due = core.keepaliveDue(now: now) { idleKeepaliveDue = min(idleKeepaliveDue ?? due, due) }
            }
            if let due = idleKeepaliveDue, due <= now { sendKeepalives(now: now) }
            if let due = idleKeepaliveDue { nextDeadline = min(nextDeadline ?? due, due) }
            var timeout: Int32 = -1
            // A session that stopped only to let the others have a turn has more to do now: do not sleep.
            if sessions.values.contains(where: \.wantsAdvance) {
                timeout = 0
            } else if let nextDeadline {
                let remaining = now.duration(to: nextDeadline)
                let ms = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
                timeout = Int32(clamping: max(0, ms + 1))
            }
            resumeFinished()
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
            if ready < 0 {
                let error = errno
                if error != EINTR { pollFailed(error) }  // an interrupted poll is simply asked again
                continue
            }
            if fds[0].revents != 0 {
                var value: UInt64 = 0
                _ = read(wakeFD, &value, 8)
            }
            for (index, core) in polled.enumerated() where fds[index + 1].revents != 0 {
                core.wantsAdvance = true
            }
        }
    }

    private func drainInbox() {
        let messages = inboxLock.withLock { () -> [Message] in
            let taken = inbox
            inbox.removeAll(keepingCapacity: true)
            return taken
        }
        for message in messages {
            switch message {
            case .add(let core), .enqueue(let core, _), .cancel(let core, _), .close(let core), .bridge(let core, _):
                wake(core)
            }
            switch message {
            case .add(let core):
                sessions[ObjectIdentifier(core)] = core
            case .enqueue(let core, let operation):
                if core.isClosed {
                    operation.abandon(
                        core.failure ?? HostErrorFactory.connectionLost(core.label, "the session was already closed"))
                } else {
                    core.queue.append(operation)
                    core.wantsAdvance = true
                    sessions[ObjectIdentifier(core)] = core
                }
            case .cancel(let core, let id):
                if let index = core.queue.firstIndex(where: { ObjectIdentifier($0) == id }) {
                    if index == 0 && core.queue[0].interrupt(core) {
                        core.wantsAdvance = true
                        continue
                    }
                    let operation = core.queue.remove(at: index)
                    operation.abandon(CancellationError())
                    // A half-done libssh2 call cannot be resumed with other work: the session is spent.
                    if index == 0 { core.teardown(HostErrorFactory.connectionLost(core.label, "the command was cancelled")) }
                }
            case .close(let core):
                core.teardown(nil)
            case .bridge(let core, let bridge):
                if core.isClosed {
                    bridge.fail(core.failure ?? HostErrorFactory.connectionLost(core.label, "the jump session was closed"))
                } else {
                    core.bridges.append(bridge)
                    core.wantsAdvance = true
                }
            }
        }
    }

    /// Moves an idle session back to the ones looked at every turn (it gets an operation, a bridge, or is closed).
    private func wake(_ core: SessionCore) {
        if let core = idle.removeValue(forKey: ObjectIdentifier(core)) { sessions[ObjectIdentifier(core)] = core }
    }

    /// Keeps idle sessions alive: each one idle for its keepalive interval sends a keepalive.
    private func sendKeepalives(now: ContinuousClock.Instant) {
        idleKeepaliveDue = nil
        var closed: [ObjectIdentifier] = []
        for (id, core) in idle {
            if core.isClosed {
                closed.append(id)
                continue
            }
            core.sendKeepaliveIfDue(now: now)
            if let due = core.keepaliveDue(now: now) { idleKeepaliveDue = min(idleKeepaliveDue ?? due, due) }
        }
        for id in closed { idle[id] = nil }
    }

    /// `poll` failed other than by an interruption (out of memory, too many descriptors): the loop cannot tell what
    /// its sessions are doing any more. Each ends with a sentence its caller records (a run then rolls back as for a
    /// lost host), instead of the whole controller ending with no note. The loop carries on for new sessions.
    private func pollFailed(_ error: Int32) {
        let reason = "the controller could not wait on its SSH connections (poll: \(String(cString: strerror(error)))); "
            + "its sessions were closed, and a command running on the host may have been cut short"
        for core in Array(sessions.values) + Array(idle.values) {
            core.teardown(HostErrorFactory.connectionLost(core.label, reason))
        }
        sessions.removeAll()
        idle.removeAll()
        idleKeepaliveDue = nil
        // Bounded: a poll that keeps failing with nothing left to watch is asked again every 10 ms, not in a spin.
        usleep(10_000)
    }

    /// Runs the session's operations in order until one blocks.
    private func drive(_ core: SessionCore, now: ContinuousClock.Instant) {
        core.wantsAdvance = false
        core.waitEvents = 0
        core.refillReadBudget()
        var budget = 64  // bound the work one session does per wake, so others get their turn
        while budget > 0, let operation = core.head, !core.isClosed {
            budget -= 1
            switch operation.advance(core, now: now) {
            case .finished:
                // An operation that failed may have torn the session down (emptying the queue) already.
                if let first = core.queue.first, first === operation { core.queue.removeFirst() }
                core.touch(now: now)
            case .blocked(let events):
                core.waitEvents = events
                budget = -1
            }
        }
        if !core.bridges.isEmpty { core.pumpBridges() }
        // More to do (the operations' budget, or the bytes it may read, ran out): come back after the others had a
        // turn. Bytes left unread on the socket would wake poll, but not bytes libssh2 already holds.
        if budget == 0 || core.readBudgetSpent { core.wantsAdvance = true }
    }

    // MARK: - Answers (reactor thread)

    /// Answers of operations that finished during this turn, given once the turn is over: by then every session
    /// the turn closed is freed. A caller that returns from `close()` (or fails) and ends the process must not find
    /// this thread still inside `libssh2_session_free`, which uses OpenSSL while the exit handlers tear it down
    /// (a SIGSEGV in `CRYPTO_THREAD_write_lock` seen one run in about a hundred).
    private var finishedThisTurn: [() -> Void] = []

    /// The reactor whose thread this is, if any.
    static var onThisThread: Reactor? {
        pthread_getspecific(reactorThreadKey).map { Unmanaged<Reactor>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Gives `answer` at the end of this turn (reactor thread only).
    func answerAfterTurn(_ answer: @escaping () -> Void) {
        finishedThisTurn.append(answer)
    }

    private func resumeFinished() {
        while !finishedThisTurn.isEmpty {
            let answers = finishedThisTurn
            finishedThisTurn.removeAll()
            for answer in answers { answer() }
        }
    }

    private func expireHead(_ core: SessionCore) {
        let operation = core.queue.removeFirst()
        if !operation.expire(core) {
            core.teardown(HostErrorFactory.connectionLost(core.label, "the session was abandoned after a timeout"))
        } else {
            core.wantsAdvance = true
        }
    }

    /// Many sessions need many descriptors: lift the soft limit to the hard one.
    private static func raiseOpenFileLimit() {
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}
