internal import CLibSSH2
import DroverModel
import Foundation

/// Runs one command on a channel: open → exec → write stdin (if any) → EOF → read stdout and stderr to EOF →
/// close → exit status.
///
/// The remote command runs under `timeout`, so a command that overruns is ended on the host itself, not
/// just abandoned by us; our own deadline (the timeout plus a grace period) only fires when the host stops
/// answering altogether.
final class ExecOperation: ContinuationOperation<CommandResult>, ReactorOperation {
    private enum Phase { case open, start, writeInput, sendEOF, read, close, waitClosed }

    let deadline: ContinuousClock.Instant?
    private let command: [CChar]
    /// What is left to write to the command's stdin.
    private var input: [UInt8]
    private let timeout: Duration
    private let output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?
    private let started = ContinuousClock.now
    private var phase = Phase.open
    private var channel: OpaquePointer?
    private var stdout: TailBuffer
    private var stderr: TailBuffer
    private let label: String

    /// Grace after the remote `timeout` sends TERM: it sends KILL after `killAfter`, then we wait this much more.
    static let killAfter: Duration = .seconds(2)
    static let grace: Duration = .seconds(3)

    init(
        command: String, input: [UInt8] = [], timeout: Duration, tailLimit: Int, label: String,
        output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?,
        continuation: CheckedContinuation<CommandResult, any Error>?
    ) {
        self.command = Array(Self.wrap(command, timeout: timeout).utf8CString.dropLast())
        self.input = input
        self.timeout = timeout
        self.output = output
        self.label = label
        self.stdout = TailBuffer(limit: tailLimit)
        self.stderr = TailBuffer(limit: tailLimit)
        self.deadline = .now + timeout + Self.killAfter + Self.grace
        super.init(continuation: continuation)
    }

    /// `exec timeout -k 2 N sh -c 'COMMAND'`: `exec` keeps the signal that ended the command visible to sshd
    /// (and so to us).
    static func wrap(_ command: String, timeout: Duration) -> String {
        "exec " + supervised(command, timeout: timeout)
    }

    /// `timeout -k 2 N sh -c 'COMMAND'`: the remote `timeout` ends the whole process group at N seconds.
    static func supervised(_ command: String, timeout: Duration) -> String {
        "timeout -k \(Int(killAfter.seconds)) \(timeout.secondsArgument) sh -c \(ShellQuote.quote(command))"
    }

    func advance(_ core: SessionCore, now: ContinuousClock.Instant) -> OperationStep {
        guard let session = core.session else {
            finish(.failure(HostErrorFactory.connectionLost(core.label, "the session was already closed")))
            return .finished
        }
        while true {
            switch phase {
            case .open:
                channel = libssh2_channel_open_ex(
                    session, "session", 7, UInt32(drover_libssh2_channel_window_default),
                    UInt32(drover_libssh2_channel_packet_default), nil, 0)
                if channel == nil {
                    if LibSSH2.wouldBlock(session) { return core.blocked }
                    return fail(core, during: .startingCommand)
                }
                phase = .start
            case .start:
                let rc = command.withUnsafeBufferPointer {
                    libssh2_channel_process_startup(channel, "exec", 4, $0.baseAddress, UInt32($0.count))
                }
                if rc == LibSSH2.eagain { return core.blocked }
                if rc != 0 { return fail(core, during: .startingCommand) }
                phase = .writeInput
            case .writeInput:
                switch core.write(&input, to: channel, owner: ObjectIdentifier(self)) {
                case .done: phase = .sendEOF
                case .blocked: return core.blocked
                case .failed: return fail(core, during: .command)
                }
            case .sendEOF:
                // The command gets an empty stdin instead of waiting on one that never comes.
                let rc = libssh2_channel_send_eof(channel)
                if rc == LibSSH2.eagain { return core.blocked }
                phase = .read
            case .read:
                if let step = readAvailable(core) { return step }
                phase = .close
            case .close:
                let rc = libssh2_channel_close(channel)
                if rc == LibSSH2.eagain { return core.blocked }
                phase = .waitClosed
            case .waitClosed:
                let rc = libssh2_channel_wait_closed(channel)
                if rc == LibSSH2.eagain { return core.blocked }
                complete(core)
                return .finished
            }
        }
    }

    /// Reads both streams until both are at EOF; `.blocked` while more may come, nil when done.
    private func readAvailable(_ core: SessionCore) -> OperationStep? {
        var rounds = 0
        while rounds < 256 {  // bounded so one chatty host cannot starve the others
            rounds += 1
            let out = read(stream: 0, into: &core.scratch, tail: &stdout, kind: .stdout)
            let err = read(stream: 1, into: &core.scratch, tail: &stderr, kind: .stderr)
            if out < 0 && out != LibSSH2.eagain { return fail(core, during: .command) }
            if err < 0 && err != LibSSH2.eagain { return fail(core, during: .command) }
            if out > 0 || err > 0 { continue }
            if libssh2_channel_eof(channel) == 1 { return nil }
            return core.blocked
        }
        core.wantsAdvance = true
        return core.blocked
    }

    private func read(
        stream: Int32, into buffer: inout [UInt8], tail: inout TailBuffer, kind: DroverModel.OutputStream
    ) -> Int {
        let count = buffer.withUnsafeMutableBytes { raw in
            libssh2_channel_read_ex(channel, stream, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        if count > 0 {
            buffer.withUnsafeBufferPointer { tail.append(UnsafeBufferPointer(rebasing: $0[0..<count])) }
            output?(kind, Array(buffer[0..<count]))
        }
        return count
    }

    private func complete(_ core: SessionCore) {
        let status = libssh2_channel_get_exit_status(channel)
        var signalName: UnsafeMutablePointer<CChar>? = nil
        var signalLength = 0
        _ = libssh2_channel_get_exit_signal(channel, &signalName, &signalLength, nil, nil, nil, nil)
        var signal: String? = nil
        if let signalName {
            signal = String(cString: signalName)
            libssh2_free(core.session, signalName)
        }
        libssh2_channel_free(channel)
        channel = nil
        let elapsed = started.duration(to: .now)
        // `timeout` exits 124 after TERM worked, or dies by KILL after -k; either way the command was ended.
        if elapsed >= timeout && (status == 124 || signal == "KILL") {
            finish(.failure(Self.timedOut(label: label, timeout: timeout, remoteEnded: true)))
            return
        }
        finish(
            .success(
                CommandResult(
                    exitStatus: signal == nil ? status : nil, exitSignal: signal,
                    stdoutTail: stdout.bytes, stderrTail: stderr.bytes,
                    stdoutBytes: stdout.total, stderrBytes: stderr.total, duration: elapsed)))
    }

    func expire(_ core: SessionCore) -> Bool {
        finish(.failure(Self.timedOut(label: label, timeout: timeout, remoteEnded: false)))
        return false  // the channel is mid-protocol and the host is not answering: the session is spent
    }

    static func timedOut(label: String, timeout: Duration, remoteEnded: Bool) -> HostError {
        HostError(
            .timedOut,
            "\(label): the command ran longer than its \(timeout.formatted) timeout and "
                + (remoteEnded
                    ? "was ended on the host."
                    : "the host stopped answering; it will be ended there by `timeout` if the host recovers."))
    }

    private func fail(_ core: SessionCore, during activity: SSHActivity) -> OperationStep {
        let error = core.libssh2Failure(during: activity)
        finish(.failure(error))
        core.teardown(error)
        return .finished
    }
}

