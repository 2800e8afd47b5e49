import DroverEngine
import DroverModel
import DroverRuntime
import Foundation

/// The run's console on this process's terminal and pipes: events through `RunReporter` (live lines or JSON),
/// sentences on stderr, the confirmation prompt on the terminal.
struct TerminalConsole: RunConsole {
    let reporter: RunReporter
    let format: OutputFormat
    /// `--yes`: go ahead without asking.
    let yes: Bool

    func show(_ event: RunEvent) {
        reporter.handle(event)
    }

    func say(_ message: ConsoleMessage) {
        switch message {
        case .note(let text):
            reporter.note(text)
        case .info(let text):
            if format == .human { print(VisibleText.escape(text)) }
        case .error(let text):
            Terminal.error(text)
        case .stopRequested(let level):
            reporter.stopRequested(abort: level == .abort)
            switch level {
            case .finishInFlight:
                Terminal.error("\nstopping: nothing new starts; in-flight steps finish (Ctrl-C again to abort them)")
            case .abort:
                Terminal.error("\naborting in-flight steps")
            case .none:
                break
            }
        }
    }

    /// Asks on the terminal, unless told not to or nobody is there to answer (a pipe, a CI job, JSON output).
    func confirm(_ question: String) async -> Bool {
        guard !yes, format == .human, isatty(STDIN_FILENO) != 0 else { return true }
        // The answer may take minutes: wait for it on a thread of its own, not one of Swift's few cooperative ones.
        return await withCheckedContinuation { answer in
            Thread.detachNewThread { answer.resume(returning: Terminal.confirm(question)) }
        }
    }

    /// Reads a line on the terminal for a paused run, whatever `--yes` says (that answers the start question only; a
    /// pause asks a person by design). Human output on a terminal only.
    func readLine(prompt: String) async throws -> String? {
        guard format == .human, isatty(STDIN_FILENO) != 0 else { return nil }
        reporter.prompt(prompt)
        return try await TerminalLine.read()
    }

    func expect(stepsPerStage: [Int]) {
        reporter.expect(stepsPerStage: stepsPerStage)
    }
}
