import DroverEngine
import DroverJournal
import DroverModel
import DroverRuntime
import DroverTestSupport
import Foundation
import Logging
import Synchronization

/// A run's clock for tests: the wall clock starts at `start`, and both it and the monotonic clock move only when
/// the test advances the manual clock (sleepers wake then).
final class TestRunClock: RunClock {
    let manual = ManualClock()
    private let start: Date
    private let base = ContinuousClock.now

    init(start: Date) {
        self.start = start
    }

    var now: ContinuousClock.Instant { base.advanced(by: manual.now.offset) }

    var date: Date {
        let offset = manual.now.offset
        return start.addingTimeInterval(Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18)
    }

    func sleep(for duration: Duration) async throws {
        try await manual.sleep(until: manual.now.advanced(by: duration), tolerance: nil)
    }
}

/// What a run showed and said, and what it asked; `typed` are the lines a person types at its terminal, one for each
/// prompt (then the input ends).
final class RecordingConsole: RunConsole {
    private let state = Mutex<(events: [RunEvent], messages: [ConsoleMessage])>(([], []))
    private let hook = Mutex<(@Sendable (RunEvent) -> Void)?>(nil)
    private let terminal: Mutex<(typed: [String], prompts: [String])>
    let answer: Bool

    /// Called with every event shown, after it is recorded.
    var onEvent: (@Sendable (RunEvent) -> Void)? {
        get { hook.withLock { $0 } }
        set { hook.withLock { $0 = newValue } }
    }

    init(answer: Bool = true, typed: [String] = []) {
        self.answer = answer
        terminal = Mutex((typed, []))
    }

    /// The prompts the run wrote at its terminal, in order.
    var prompts: [String] { terminal.withLock { $0.prompts } }

    var events: [RunEvent] { state.withLock { $0.events } }
    var messages: [ConsoleMessage] { state.withLock { $0.messages } }
    var said: String {
        messages.map {
            switch $0 {
            case .note(let text), .info(let text), .error(let text): return text
            case .stopRequested(let level): return "stop \(level)"
            }
        }.joined(separator: "\n")
    }

    func show(_ event: RunEvent) {
        state.withLock { $0.events.append(event) }
        onEvent?(event)
    }
    func say(_ message: ConsoleMessage) { state.withLock { $0.messages.append(message) } }
    func confirm(_ question: String) async -> Bool { answer }
    func readLine(prompt: String) async throws -> String? {
        terminal.withLock {
            $0.prompts.append(prompt)
            return $0.typed.isEmpty ? nil : $0.typed.removeFirst()
        }
    }
}

/// What a run told stakeholders.
final class RecordingNotices: RunNotices {
    private let state = Mutex<[String]>([])
    var log: [String] { state.withLock { $0 } }
    func handle(_ event: RunEvent) { state.withLock { $0.append(event.name) } }
    func resumed(_ run: RunStarted) { state.withLock { $0.append("resumed") } }
    func refused(reason: String) { state.withLock { $0.append("refused") } }
    func finish() async { state.withLock { $0.append("finished") } }
}

/// Files for one test: an inventory of `hosts` (name → address), a playbook, a policy; a journal, a transport that
/// answers every command, a clock at `start`.
struct RuntimeHarness {
    let directory: String
    let journal = InMemoryJournal.make()
    let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
    let clock: TestRunClock
    let console: RecordingConsole
    let notices = RecordingNotices()

    init(start: Date = Date(timeIntervalSince1970: 1_795_000_000), confirm: Bool = true, typed: [String] = []) throws {
        directory = NSTemporaryDirectory() + "drover-runtime-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        clock = TestRunClock(start: start)
        console = RecordingConsole(answer: confirm, typed: typed)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func inventory(_ hosts: [(String, String)], vars: String = "") throws -> String {
        try write(
            "hosts.ini",
            "[app]\n" + hosts.map { "\($0.0) ansible_host=\($0.1)" + (vars.isEmpty ? "" : " " + vars) }.joined(separator: "\n")
                + "\n\n[all:vars]\ndrover_environment=test\nansible_user=root\n")
    }

    /// A coordinator over these parts; `processExists` says which pids are alive (default: only this process).
    func coordinator(
        identity: ControllerIdentity = ControllerIdentity(operator: "tester", machine: "ctl1", pid: 4242),
        processExists: @escaping @Sendable (Int32) -> Bool = { _ in true }
    ) -> RunCoordinator {
        let transport = self.transport
        let notices = self.notices
        return RunCoordinator(
            .init(
                journal: journal, transport: { transport }, notices: { _ in notices }, clock: clock,
                console: console, identity: identity, processExists: processExists,
                loader: RunLoader(homeDirectory: directory, defaultUser: "root"), leaseTime: .seconds(120),
                logger: Logger(label: "test")))
    }
}
