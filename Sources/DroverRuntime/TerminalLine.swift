import Foundation
import Glibc
import Synchronization

/// A line typed at the run's terminal, for a paused run's question (`PausePrompt` through the console), read so
/// that a question withdrawn (answered by `drover decide` elsewhere) leaves no read behind to eat the next line,
/// and so that a run in the background of its terminal waits for `fg` instead of failing the read.
public enum TerminalLine {
    /// Reads one line from `descriptor` (standard input) without leaving a read behind: a thread of its own waits
    /// with `poll` for at most `tick` at a time, takes the line's bytes one by one (what follows the newline stays
    /// for whoever reads next), and gives up once the calling task is cancelled. Nil at the end of input.
    /// - Throws: `CancellationError` once cancelled.
    public static func read(
        from descriptor: Int32 = STDIN_FILENO, tick: Duration = .milliseconds(100), longest: Int = 4096
    ) async throws -> String? {
        let cancelled = CancelFlag()
        let line: [UInt8]?? = await withTaskCancellationHandler {
            await withCheckedContinuation { answer in
                Thread.detachNewThread {
                    answer.resume(
                        returning: read(descriptor, cancelled: cancelled, tick: tick, longest: longest))
                }
            }
        } onCancel: {
            cancelled.raised.store(true, ordering: .relaxed)
        }
        // Outer nil: cancelled; inner nil: the input ended.
        guard let line else { throw CancellationError() }
        return line.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The blocking half of `read()`, on its own thread; nil when cancelled. Bounded by the cancellation, the end
    /// of input and `longest` bytes.
    private static func read(_ descriptor: Int32, cancelled: CancelFlag, tick: Duration, longest: Int) -> [UInt8]?? {
        var bytes: [UInt8] = []
        let milliseconds = Int32(tick.components.seconds * 1000 + tick.components.attoseconds / 1_000_000_000_000_000)
        while !cancelled.raised.load(ordering: .relaxed) {
            // In the background (`drover run … &`, or Ctrl-Z then bg) a read from the controlling terminal fails with
            // EIO (this thread blocks SIGTTIN, as Foundation's threads do; unblocked, it would stop the whole run) and
            // would end the terminal's answers to this question: wait a tick and look again, so that after `fg` the
            // terminal answers; what is typed belongs to the foreground meanwhile.
            guard inForeground(descriptor) else {
                _ = poll(nil, 0, milliseconds)
                continue
            }
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waiting, 1, milliseconds)
            if ready < 0, errno != EINTR { return .some(nil) }
            guard ready > 0, !cancelled.raised.load(ordering: .relaxed), inForeground(descriptor) else { continue }
            var byte: UInt8 = 0
            let count = Glibc.read(descriptor, &byte, 1)
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { return .some(bytes.isEmpty ? nil : bytes) }
            if byte == UInt8(ascii: "\n") || bytes.count >= longest { return .some(bytes) }
            bytes.append(byte)
        }
        return nil
    }

    /// Whether this process may read `descriptor` without being stopped: it is in the foreground of its
    /// controlling terminal, or `descriptor` is not a terminal it controls (a pipe, another terminal).
    private static func inForeground(_ descriptor: Int32) -> Bool {
        let foreground = tcgetpgrp(descriptor)
        return foreground == -1 || foreground == getpgrp()
    }

    /// Tells a reading thread its task was cancelled.
    private final class CancelFlag: Sendable {
        let raised = Atomic<Bool>(false)
    }

}
