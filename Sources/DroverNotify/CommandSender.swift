import DroverModel
import Foundation

/// Runs a local program with the notice's JSON on its standard input (for mail, SMS or paging gateways).
///
/// The command is split into words as a POSIX shell would (quotes and backslashes), but no shell runs it: no
/// expansion, no pipes. A program named without `/` is looked up in `PATH`. Exit 0 is delivery; any other end, or no
/// exit within the timeout (the program is then stopped: SIGTERM, SIGKILL a second later), is a failure that may be
/// retried. The program's output is kept to its last 4 KiB per stream, and the last line of stderr goes into the
/// error. The environment is drover's, plus `DROVER_NOTICE` naming the event.
///
/// Writing to a program that exits without reading would raise SIGPIPE; the sender ignores that signal for the
/// process (as `drover run` already does).
public struct CommandSender: NoticeSender {
    public let command: String
    public let shown: String
    /// The largest part of each output stream kept.
    public static let outputLimit = 4096

    private static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    public init(command: String) {
        self.command = command
        self.shown = "command " + (Self.words(command).first ?? "")
    }

    public func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        _ = Self.ignoreBrokenPipes
        let words = Self.words(command)
        guard let program = words.first else { throw NoticeDeliveryError("the command is empty", retryable: false) }
        guard let path = Self.resolve(program) else {
            throw NoticeDeliveryError("\(program) is not an executable file (nor one in PATH)", retryable: false)
        }
        let input = notice.json + Data([0x0A])
        let arguments = Array(words.dropFirst())
        let event = notice.event.rawValue
        // Own threads, not Dispatch's pool: each send blocks up to its timeout, and a starved pool would stretch it.
        let result = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    returning: Self.run(path, arguments, input: input, event: event, timeout: timeout, shown: program))
            }
        }
        try result.get()
    }

    /// Runs the program to its end or the timeout, blocking the calling thread.
    private static func run(
        _ path: String, _ arguments: [String], input: Data, event: String, timeout: Duration, shown: String
    ) -> Result<Void, NoticeDeliveryError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DROVER_NOTICE"] = event
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            return .failure(NoticeDeliveryError("cannot start \(shown): \(error.localizedDescription)", retryable: false))
        }
        let readers = DispatchGroup()
        let outTail = Tail()
        let errTail = Tail()
        for (pipe, tail) in [(stdout, outTail), (stderr, errTail)] {
            readers.enter()
            Thread.detachNewThread {
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    tail.append(chunk)
                }
                readers.leave()
            }
        }
        Thread.detachNewThread {
            let handle = stdin.fileHandleForWriting
            try? handle.write(contentsOf: input)
            try? handle.close()
        }
        let deadline = DispatchTime.now() + Notice.seconds(timeout)
        if exited.wait(timeout: deadline) == .timedOut {
            process.terminate()
            if exited.wait(timeout: .now() + 1) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
            return .failure(
                NoticeDeliveryError("\(shown) did not exit within \(Notice.spoken(timeout)); stopped", retryable: true))
        }
        // A child of the program may hold the pipes open: wait for the output only briefly.
        _ = readers.wait(timeout: .now() + 1)
        let status = process.terminationStatus
        if process.terminationReason == .exit && status == 0 { return .success(()) }
        var message =
            process.terminationReason == .exit ? "\(shown) exited with status \(status)" : "\(shown) was killed by signal \(status)"
        if let line = errTail.lastLine() { message += ": \(line)" }
        return .failure(NoticeDeliveryError(message, retryable: true))
    }

    /// The program's path: as written when it has a `/`, else the first executable of that name in `PATH`.
    static func resolve(_ program: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = directory + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The command's words, split as a POSIX shell splits them: whitespace separates, `'…'` is literal, `"…"` lets `\`
    /// escape `"`, `\`, `$` and `` ` ``, and `\` outside quotes escapes any character. An unclosed quote runs to the end.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                if quote == "\"" && !"\"\\$`".contains(character) { current.append("\\") }
                current.append(character)
                escaped = false
                inWord = true
                continue
            }
            switch (quote, character) {
            case (nil, "\\"), ("\"", "\\"):
                escaped = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case (nil, let c) where c.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}

/// The last `CommandSender.outputLimit` bytes of a stream.
private final class Tail: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) {
        lock.withLock {
            data.append(chunk)
            if data.count > CommandSender.outputLimit { data = Data(data.suffix(CommandSender.outputLimit)) }
        }
    }

    /// The last non-empty line, printable, at most 200 characters.
    func lastLine() -> String? {
        let text = lock.withLock { String(decoding: data, as: UTF8.self) }
        guard let line = text.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            return nil
        }
        return WebhookSender.printable(Data(line.utf8))
    }
}
