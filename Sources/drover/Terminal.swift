import DroverModel
import Foundation
import Synchronization

/// Talking to the person at the terminal, when there is one.
enum Terminal {
    /// Asks for a key's passphrase on /dev/tty without echo; nil when there is no terminal.
    @Sendable static func askPassphrase(for keyPath: String) -> String? {
        promptLock.withLock {
            guard let pointer = getpass("Passphrase for \(keyPath): ") else { return nil }
            let value = String(cString: pointer)
            return value.isEmpty ? nil : value
        }
    }

    private static let promptLock = NSLock()

    /// Asks a yes/no question on the terminal; only `y` or `yes` agree.
    static func confirm(_ question: String) -> Bool {
        FileHandle.standardError.write(Data((question + " [y/N] ").utf8))
        guard let answer = Swift.readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// Reads one line from standard input without leaving a read behind: a thread of its own waits with `poll` for
    /// at most `tick` at a time, takes the line's bytes one by one (what follows the newline stays in the terminal
    /// for whoever reads next), and gives up once the calling task is cancelled. Nil at the end of input.
    /// - Throws: `CancellationError` once cancelled.
    static func readLine(tick: Duration = .milliseconds(100), longest: Int = 4096) async throws -> String? {
        let cancelled = CancelFlag()
        let line: [UInt8]?? = await withTaskCancellationHandler {
            await withCheckedContinuation { answer in
                Thread.detachNewThread {
                    answer.resume(returning: readLine(cancelled: cancelled, tick: tick, longest: longest))
                }
            }
        } onCancel: {
            cancelled.raised.store(true, ordering: .relaxed)
        }
        // Outer nil: cancelled; inner nil: the input ended.
        guard let line else { throw CancellationError() }
        return line.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The blocking half of `readLine()`, on its own thread; nil when cancelled. Bounded by the cancellation, the end
    /// of input and `longest` bytes.
    private static func readLine(cancelled: CancelFlag, tick: Duration, longest: Int) -> [UInt8]?? {
        var bytes: [UInt8] = []
        let milliseconds = Int32(tick.components.seconds * 1000 + tick.components.attoseconds / 1_000_000_000_000_000)
        while !cancelled.raised.load(ordering: .relaxed) {
            // In the background (`drover run … &`, or Ctrl-Z then bg) a read from the controlling terminal fails with
            // EIO (this thread blocks SIGTTIN, as Foundation's threads do; unblocked, it would stop the whole run) and
            // would end the terminal's answers to this question: wait a tick and look again, so that after `fg` the
            // terminal answers; what is typed belongs to the foreground meanwhile.
            guard inForeground else {
                _ = poll(nil, 0, milliseconds)
                continue
            }
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0, errno != EINTR { return .some(nil) }
            guard ready > 0, !cancelled.raised.load(ordering: .relaxed), inForeground else { continue }
            var byte: UInt8 = 0
            let count = read(STDIN_FILENO, &byte, 1)
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { return .some(bytes.isEmpty ? nil : bytes) }
            if byte == UInt8(ascii: "\n") || bytes.count >= longest { return .some(bytes) }
            bytes.append(byte)
        }
        return nil
    }

    /// Whether this process may read standard input without being stopped: it is in the foreground of its
    /// controlling terminal, or standard input is a terminal it does not control (which never stops it).
    private static var inForeground: Bool {
        let foreground = tcgetpgrp(STDIN_FILENO)
        return foreground == -1 || foreground == getpgrp()
    }

    /// Tells a reading thread its task was cancelled.
    private final class CancelFlag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    /// The terminal's width in columns (80 when it cannot be told).
    static var columns: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Prints to standard error, with control characters made visible (an error may quote a host).
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((VisibleText.escape(message) + "\n").utf8))
    }
}

/// `1 host`, `3 hosts`.
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : (noun.hasSuffix("ch") ? "es" : "s"))"
}
