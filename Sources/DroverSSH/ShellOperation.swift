internal import CLibSSH2
import DroverModel
import Foundation

/// Runs one command through the session's shared shell: a `sh` on one channel, started by the first command
/// and kept for the session, that reads commands from its stdin and runs them one after another.
///
/// A command costs the host a fork of `timeout` and `sh`, instead of a channel, a fork of sshd and a login
/// shell; and it costs one round trip instead of three. Each command runs exactly as on its own channel
/// (`timeout -k 2 N sh -c 'COMMAND'`, stdin from /dev/null, its own process, so nothing it sets survives
/// it), then the shell prints a marker with a fresh random nonce on stdout (with the exit status) and on
/// stderr. The one difference: the shell sees a command killed by a signal as exit status 128+n.
///
/// Cancelled while the command runs (a second Ctrl-C), the operation returns at once but stays at the head of
/// the session's queue until the command is ended on the host: it signals the shell's child (`timeout`, which
/// passes the TERM to the command's process group and sends KILL 2 s later) over a second channel, then
/// waits for the markers. The session stays usable.
final class ShellOperation: ContinuationOperation<CommandResult>, ReactorOperation {
    private enum Phase { case start, write, read }

    private(set) var deadline: ContinuousClock.Instant?
    private var script: [UInt8]
    private let timeout: Duration
    private let output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?
    private let started = ContinuousClock.now
    private var phase = Phase.start
    private var stdout: TailBuffer
    private var stderr: TailBuffer
    private var stdoutMarker: MarkerScanner
    private var stderrMarker: MarkerScanner
    private let label: String
    /// The shell's first line, its process id, while it is being read.
    private var pidLine: [UInt8]?
    /// After an interrupt: the command that ends ours on the host, until it has run.
    private var stopper: ExecOperation?
    private var interrupted = false

    init(
        command: String, timeout: Duration, tailLimit: Int, label: String,
        output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?,
        continuation: CheckedContinuation<CommandResult, any Error>
    ) {
        let nonce = "drover-" + (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        self.script = Array(Self.script(command, timeout: timeout, nonce: nonce).utf8)
        self.stdoutMarker = MarkerScanner(marker: Array("\n\(nonce) ".utf8))
        self.stderrMarker = MarkerScanner(marker: Array("\n\(nonce)\n".utf8))
        self.timeout = timeout
        self.output = output
        self.label = label
        self.stdout = TailBuffer(limit: tailLimit)
        self.stderr = TailBuffer(limit: tailLimit)
        self.deadline = .now + timeout + ExecOperation.killAfter + ExecOperation.grace
        super.init(continuation: continuation)
    }

    /// The line the shell reads: the command under `timeout` as on its own channel, then the markers.
    /// The leading newline of each marker ends output that has none of its own; it is not the command's.
    static func script(_ command: String, timeout: Duration, nonce: String) -> String {
        ExecOperation.supervised(command, timeout: timeout)
            + " </dev/null; printf '\\n%s %s\\n' \(nonce) \"$?\"; printf '\\n%s\\n' \(nonce) >&2\n"
    }

    func advance(_ core: SessionCore, now: ContinuousClock.Instant) -> OperationStep {
        guard core.session != nil else {
            finish(.failure(HostErrorFactory.connectionLost(core.label, "the session was already closed")))
            return .finished
        }
        while true {
            switch phase {
            case .start:
                switch core.startShell() {
                case .ready:
                    if core.shell?.pidUnread == true {  // the shell's first line comes before this command's output
                        core.shell?.pidUnread = false
                        pidLine = []
                    }
                    phase = .write
                case .blocked: return core.blocked
                case .failed: return fail(core, during: .startingCommand)
                }
            case .write:
                switch core.write(&script, to: core.shell?.channel, owner: ObjectIdentifier(self)) {
                case .done: phase = .read
                case .blocked: return core.blocked
                case .failed: return fail(core, during: .startingCommand)
                }
            case .read:
                if let stopper {
                    guard case .finished = stopper.advance(core, now: now) else { return core.blocked }
                    self.stopper = nil
                    if core.isClosed { return .finished }
                }
                return readAvailable(core)
            }
        }
    }

    /// Reads both streams until both markers have come (`.finished`), or `.blocked` while more may come.
    private func readAvailable(_ core: SessionCore) -> OperationStep {
        var rounds = 0
        while rounds < 256 {  // bounded so one chatty host cannot starve the others
            rounds += 1
            let out = read(stream: 0, core: core)
            let err = read(stream: 1, core: core)
            if out < 0 && out != LibSSH2.eagain { return fail(core, during: .command) }
            if err < 0 && err != LibSSH2.eagain { return fail(core, during: .command) }
            if let status = exitStatus, stderrMarker.found {
                complete(status: status)
                return .finished
            }
            if stopper != nil {  // interrupted and the shell's process id just came: end the command first
                core.wantsAdvance = true
                return core.blocked
            }
            if out > 0 || err > 0 { continue }
            if libssh2_channel_eof(core.shell?.channel) == 1 { return shellEnded(core) }
            return core.blocked
        }
        core.wantsAdvance = true
        return core.blocked
    }

    private func read(stream: Int32, core: SessionCore) -> Int {
        let count = core.scratch.withUnsafeMutableBytes { raw in
            libssh2_channel_read_ex(core.shell?.channel, stream, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard count > 0 else { return count }
        var chunk = core.scratch[0..<count]
        // A new shell's first line is its process id; lines before it (a login script's) are output.
        while stream == 0, pidLine != nil, let newline = chunk.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pidLine! + chunk[..<newline]
            chunk = chunk[(newline + 1)...]
            guard line.starts(with: SessionCore.shellPIDPrefix) else {
                deliver(stdoutMarker.feed(line + [UInt8(ascii: "\n")]), stream: stream)
                pidLine = []
                continue
            }
            pidLine = nil
            core.shell?.pid = Int32(String(decoding: line.dropFirst(SessionCore.shellPIDPrefix.count), as: UTF8.self))
            if interrupted, stopper == nil, let pid = core.shell?.pid { stopper = Self.stopper(for: pid, label: label) }
        }
        if stream == 0, pidLine != nil {
            pidLine! += chunk
            // Not a line a shell would print first: give up on the id (an abort then drops the session).
            if pidLine!.count > 4096 {
                deliver(stdoutMarker.feed(pidLine!), stream: stream)
                pidLine = nil
            }
            return count
        }
        // The common case, without a copy: slices of the read buffer go to the tail (and the caller).
        let start = chunk.startIndex
        core.scratch.withUnsafeBufferPointer { buffer in
            let bytes = UnsafeBufferPointer(rebasing: buffer[start..<count])
            if stream == 0 {
                stdoutMarker.feed(bytes) { deliver($0, stream: 0) }
            } else {
                stderrMarker.feed(bytes) { deliver($0, stream: 1) }
            }
        }
        return count
    }

    /// Keeps the command's output and passes it on.
    private func deliver(_ bytes: UnsafeBufferPointer<UInt8>, stream: Int32) {
        guard !bytes.isEmpty else { return }
        if stream == 0 { stdout.append(bytes) } else { stderr.append(bytes) }
        output?(stream == 0 ? .stdout : .stderr, Array(bytes))
    }

    private func deliver(_ bytes: [UInt8], stream: Int32) {
        bytes.withUnsafeBufferPointer { deliver($0, stream: stream) }
    }

    /// The status the shell printed after the stdout marker, once its line is complete.
    private var exitStatus: Int32? {
        guard stdoutMarker.found, let end = stdoutMarker.held.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        return Int32(String(decoding: stdoutMarker.held[..<end], as: UTF8.self)) ?? -1
    }

    private func complete(status: Int32) {
        let elapsed = started.duration(to: .now)
        // `timeout` exits 124 after TERM worked, or dies by KILL (137 to the shell) after -k.
        if elapsed >= timeout && (status == 124 || status == 128 + 9) {
            finish(.failure(ExecOperation.timedOut(label: label, timeout: timeout, remoteEnded: true)))
            return
        }
        finish(
            .success(
                CommandResult(
                    exitStatus: status, exitSignal: nil, stdoutTail: stdout.bytes, stderrTail: stderr.bytes,
                    stdoutBytes: stdout.total, stderrBytes: stderr.total, duration: elapsed)))
    }

    /// The shell's channel reached end of file before the command's status: something ended the shell
    /// (a command that killed it, or sshd). The session may still be fine: the next command starts a new shell;
    /// the dead channel is freed with the session.
    private func shellEnded(_ core: SessionCore) -> OperationStep {
        core.shell = nil
        finish(
            .failure(
                HostError(
                    .noExitStatus,
                    "\(label): the remote shell running the command ended before reporting its exit status "
                        + "(was it killed?); the command may have run partly.")))
        return .finished
    }

    func interrupt(_ core: SessionCore) -> Bool {
        if interrupted { return true }
        // Before `.read` nothing runs yet on the host (or the command line is half-written): dropping the
        // session is enough.
        guard phase == .read else { return false }
        interrupted = true
        finish(.failure(CancellationError()))
        deadline = .now + .seconds(10) + ExecOperation.killAfter + ExecOperation.grace
        // A new shell's process id may still be on its way: the stopper starts once it has come.
        if let pid = core.shell?.pid { stopper = Self.stopper(for: pid, label: label) }
        return true
    }

    /// The command that ends the shell's running command. The shell's only child while it waits is the
    /// command's `timeout`: found by its parent, as a host without procps allows (one grep over /proc, then
    /// the shell's built-in kill).
    private static func stopper(for pid: Int32, label: String) -> ExecOperation {
        let command = "grep -l '^PPid:[[:space:]]*\(pid)$' /proc/[0-9]*/status 2>/dev/null | "
            + "while read -r f; do p=${f#/proc/}; kill -TERM \"${p%/status}\"; done"
        return ExecOperation(
            command: command, timeout: .seconds(10), tailLimit: 1024, label: label, output: nil, continuation: nil)
    }

    func expire(_ core: SessionCore) -> Bool {
        finish(.failure(ExecOperation.timedOut(label: label, timeout: timeout, remoteEnded: false)))
        return false  // the host is not answering: the session is spent
    }

    private func fail(_ core: SessionCore, during activity: SSHActivity) -> OperationStep {
        let error = core.libssh2Failure(during: activity)
        finish(.failure(error))
        core.teardown(error)
        return .finished
    }
}

