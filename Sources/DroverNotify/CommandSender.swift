import DroverModel
import Foundation
import Subprocess
import SystemPackage

/// Runs a local program with the notice's JSON on its standard input (for mail, SMS or paging gateways), through
/// swift-subprocess.
///
/// The command is split into words as a POSIX shell would (quotes and backslashes), but no shell runs it: no
/// expansion, no pipes. A program named without `/` is looked up in `PATH`. Exit 0 is delivery; any other end, or no
/// exit within the timeout, is a failure that may be retried. At the timeout the program and everything it started
/// (it runs in a session of its own) get SIGTERM, then SIGKILL a second later. The last 4 KiB of its stderr are kept
/// and their last line goes into the error; its stdout is discarded.
///
/// **Environment**: not drover's (which may hold database passwords and tokens the operator exported), but
/// `PATH`, `HOME`, `LANG` and `TZ` from it, the variables the policy names for this target (`environment:`), and
/// `DROVER_NOTICE` naming the event. A named variable that is not set is left out.
///
/// Writing to a program that exits without reading would raise SIGPIPE; the sender ignores that signal for the
/// process (as `drover run` already does), and a write that fails is not a failed delivery: the exit status decides.
public struct CommandSender: NoticeSender {
    public let command: String
    /// The names of drover's environment variables passed on besides `baseVariables`.
    public let passing: [String]
    public let shown: String
    /// drover's environment, read at each send.
    private let environment: @Sendable () -> [String: String]

    /// The largest part of stderr kept.
    public static let outputLimit = 4096
    /// What every command gets from drover's environment.
    public static let baseVariables = ["PATH", "HOME", "LANG", "TZ"]
    /// How long a program has after SIGTERM before SIGKILL.
    static let gracePeriod: Duration = .seconds(1)

    private static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// - Parameters:
    ///   - command: the command line, split into words here at each send.
    ///   - passing: names of variables from `environment` the program also gets.
    ///   - environment: drover's environment (the process's by default).
    public init(
        command: String, passing: [String] = [],
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
    ) {
        self.command = command
        self.passing = passing
        self.environment = environment
        self.shown = "command " + (Self.words(command).first ?? "")
    }

    public func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        _ = Self.ignoreBrokenPipes
        let words = Self.words(command)
        guard let program = words.first else { throw NoticeDeliveryError("the command is empty", retryable: false) }
        let variables = Self.environment(for: notice.event, passing: passing, from: environment())
        let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
        let notFound = NoticeDeliveryError("\(program) is not an executable file (nor one in PATH)", retryable: false)
        if program.contains("/") {
            guard access(program, X_OK) == 0 else { throw notFound }
        } else {
            do {
                _ = try await executable.resolveExecutablePath(in: .custom(Self.keys(variables)))
            } catch {
                throw notFound
            }
        }
        let ending = await Self.run(
            executable, arguments: Array(words.dropFirst()), environment: variables,
            input: Array(notice.json) + [0x0A], timeout: timeout)
        switch ending {
        case .exited(let status, let stderrTail):
            if case .exited(0) = status { return }
            var message: String
            switch status {
            case .exited(let code): message = "\(program) exited with status \(code)"
            case .signaled(let signal): message = "\(program) was killed by signal \(signal)"
            }
            if let line = Self.lastLine(stderrTail) { message += ": \(line)" }
            throw NoticeDeliveryError(message, retryable: true)
        case .timedOut:
            throw NoticeDeliveryError("\(program) did not exit within \(Notice.spoken(timeout)); stopped", retryable: true)
        case .failed(let reason):
            throw NoticeDeliveryError("cannot run \(program): \(reason)", retryable: false)
        }
    }

    /// The environment a command gets: `baseVariables` and `passing` as set in `environment`, and `DROVER_NOTICE`.
    public static func environment(
        for event: NotifyEvent, passing: [String], from environment: [String: String]
    ) -> [String: String] {
        var variables: [String: String] = [:]
        for name in baseVariables + passing {
            if let value = environment[name] { variables[name] = value }
        }
        variables["DROVER_NOTICE"] = event.rawValue
        return variables
    }

    /// How a run ended.
    private enum Ending: Sendable {
        case exited(TerminationStatus, stderrTail: [UInt8])
        case timedOut
        case failed(String)
    }

    /// Runs the program to its end, or stops it at the timeout.
    private static func run(
        _ executable: Executable, arguments: [String], environment: [String: String], input: [UInt8],
        timeout: Duration
    ) async -> Ending {
        let options = platformOptions
        return await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        executable, arguments: Arguments(arguments), environment: .custom(keys(environment)),
                        platformOptions: options, input: .inputWriter, output: .discarded, error: .sequence
                    ) { execution in
                        let writer = execution.standardInputWriter
                        async let written: Void = {
                            _ = try? await writer.write(input)
                            try? await writer.finish()
                        }()
                        var tail: [UInt8] = []
                        do {
                            for try await buffer in execution.standardError {
                                buffer.withUnsafeBytes { tail += $0 }
                                if tail.count > outputLimit { tail.removeFirst(tail.count - outputLimit) }
                            }
                        } catch {
                            // The program ended while a child of it still held stderr: what was read is kept.
                        }
                        await written
                        return tail
                    }
                    return .exited(result.terminationStatus, stderrTail: result.closureResult)
                } catch is CancellationError {
                    return nil
                } catch let error as SubprocessError {
                    return Task.isCancelled ? nil : .failed(error.description)
                } catch {
                    return Task.isCancelled ? nil : .failed("\(error)")
                }
            }
            group.addTask {
                // The stop itself is swift-subprocess's teardown, run when this cancels the program's task.
                guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
                return .timedOut
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The group waits for the program's task: after a timeout, until the teardown has ended the program.
            return first ?? .timedOut
        }
    }

    /// A session of its own, so the stop at the timeout reaches whatever the program started, and never drover.
    private static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: gracePeriod)]
        return options
    }

    private static func keys(_ environment: [String: String]) -> [Environment.Key: String] {
        var keyed: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { keyed[key] = value }
        }
        return keyed
    }

    /// The last non-empty line of the output, printable, at most 200 characters.
    static func lastLine(_ bytes: [UInt8]) -> String? {
        guard let line = bytes.split(separator: 0x0A).last(where: { !$0.allSatisfy { [0x20, 0x09, 0x0D].contains($0) } })
        else { return nil }
        return WebhookSender.printable(Data(line))
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
