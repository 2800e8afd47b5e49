import DroverTestSupport
import Foundation
import Glibc
import Testing

/// A paused run answered on its own terminal: `drover run` with its stdin and stderr on a pseudo-terminal, over the
/// real testbed; the test types at the terminal's other end as a person would.
@Suite("answering a pause on the run's terminal", .serialized, .timeLimit(.minutes(3)))
struct TerminalAnswerTests {
    static let binary = Testbed.repositoryRoot + "/.build/debug/drover"
    let directory: String
    var environment: [String: String] { ["DROVER_HOME": directory + "/home", "SUDO_USER": "", "USER": "pat"] }

    init() throws {
        directory = NSTemporaryDirectory() + "drover-terminal-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Two batches of one host each; a go-ahead is asked after each.
    func playbook() throws -> String {
        let path = directory + "/canary.yml"
        try """
        name: Canary look
        change: { type: routine }
        stages:
          - name: Roll out
            hosts: host019:host020
            serial: 1
            pause: { prompt: Look at the canary dashboards, timeout: 2m }
            steps:
              - run: "true"
            rollback:
              - run: "true"

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `drover run` in human output with the terminal as its stdin and stderr.
    func start(_ terminal: PseudoTerminal, options: [String] = ["-i", Testbed.inventoryPath]) throws -> RunningProcess {
        let run = try RunningProcess(
            Self.binary, ["run", try playbook()] + options + ["--yes"], environment: environment,
            standardInput: terminal.slave, standardError: terminal.slave)
        terminal.closeSlave()
        return run
    }

    func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(Self.binary, arguments, environment: environment, timeout: .seconds(60))
    }

    static func runID(_ run: RunningProcess) throws -> String {
        let started = try #require(run.waitForLine { $0.hasPrefix("drover run ") })
        return String(try #require(started.split(separator: " ").dropFirst(2).first).dropLast())
    }

    @Test func rollbackTypedAtTheTerminalRollsBackAndIsJournaledWithWhoAndWhy() async throws {
        try Testbed.ensureUp()
        let terminal = try PseudoTerminal()
        let run = try start(terminal)
        let id = try Self.runID(run)
        // The question: what paused, the choices, and the command that answers from elsewhere.
        let question = try #require(terminal.read(until: "answer> "))
        #expect(question.contains("PAUSED: batch 1 done: Look at the canary dashboards"), "\(question)")
        #expect(question.contains("answer here: continue or rollback, then why"))
        #expect(question.contains("or from any shell: drover decide \(id) continue|rollback --reason TEXT [--by NAME]"))
        terminal.type("roll back")
        #expect(terminal.read(until: "'roll' is not an answer") != nil)
        terminal.type("rollback bad canary")
        #expect(run.wait() == 2, "\(run.lines.joined(separator: "\n"))")
        #expect(run.lines.contains("   pat answered rollback — bad canary"), "\(run.lines.joined(separator: "\n"))")
        #expect(!run.lines.contains { $0.contains("host020") && $0.contains("ok") })
        let log = try await drover(["log", id])
        // Once in the execution log (before the issues, which repeat it), with who and why.
        let execution = log.stdout.components(separatedBy: "Issues encountered")[0]
        let answered = execution.split(separator: "\n").filter { $0.contains(" answered ") }
        #expect(answered.count == 1 && answered[0].hasSuffix("pat answered rollback (stage 1 'Roll out'): bad canary"), "\(log.stdout)")
    }

    @Test func decideWhileTheTerminalAsksWinsAndTheNextQuestionTakesTheNextLine() async throws {
        try Testbed.ensureUp()
        let terminal = try PseudoTerminal()
        let run = try start(terminal)
        let id = try Self.runID(run)
        #expect(terminal.read(until: "answer> ") != nil)
        let decided = try await drover(["decide", id, "continue", "--reason", "seen on the dashboard", "--by", "ops"])
        #expect(decided.status == 0, "\(decided.stderr)")
        // The first question is withdrawn; the second batch's is asked, and the line typed now answers it (no read
        // of the first question is left behind to take it).
        #expect(terminal.read(until: "PAUSED: batch 2 done") != nil)
        #expect(terminal.read(until: "answer> ") != nil)
        terminal.type("continue all good")
        #expect(run.wait() == 0, "\(run.lines.joined(separator: "\n"))")
        let answers = run.lines.filter { $0.contains(" answered ") }
        #expect(answers == ["   ops answered continue — seen on the dashboard", "   pat answered continue — all good"])
        let log = try await drover(["log", id])
        #expect(log.stdout.contains("ops answered continue (stage 1 'Roll out'): seen on the dashboard"), "\(log.stdout)")
        #expect(log.stdout.contains("pat answered continue (stage 1 'Roll out'): all good"), "\(log.stdout)")
    }
}

extension TerminalAnswerTests {
    /// `drover run … &`, then `fg`, in a shell with job control: a session whose controlling terminal is the
    /// pseudo-terminal, the shell in its foreground and the run a background job until the test tells the shell
    /// (through a FIFO) to bring it to the foreground. In the background the run shows the question but leaves the
    /// terminal unread (a read there would stop the whole run with SIGTTIN, or fail and end the terminal's answers),
    /// and `drover decide` answers; once in the foreground it reads the terminal. This shell reads nothing itself,
    /// so a line typed while the run was in the background waits in the terminal for the foreground.
    @Test func aRunInTheBackgroundTakesDecideAndOnceBroughtToTheForegroundReadsTheTerminal() async throws {
        try Testbed.ensureUp()
        let terminal = try PseudoTerminal()
        let pidFile = directory + "/run.pid"
        let fifo = directory + "/fg"
        #expect(mkfifo(fifo, 0o600) == 0)
        let run = try RunningProcess(
            "/usr/bin/setsid",
            [
                "--ctty", "--wait", "/bin/bash", "-c",
                #"set -m; "$0" "$@" & echo $! > "$PID_FILE"; read -r _ < "$FG_FIFO"; fg %1"#,
                Self.binary, "run", try playbook(), "-i", Testbed.inventoryPath, "--yes",
            ],
            environment: environment.merging(["PID_FILE": pidFile, "FG_FIFO": fifo]) { $1 },
            standardInput: terminal.slave, standardError: terminal.slave)
        terminal.closeSlave()
        let id = try Self.runID(run)
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var ended = false
        // A test that fails half-way leaves no run behind (once it ended, its PID may be another program's).
        defer { if !ended { kill(pid, SIGKILL) } }
        // /proc/PID/stat fields after the name: state, ppid, pgrp, session, tty_nr, tpgid (the terminal's foreground).
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ") ")!.upperBound...].split(separator: " ")
        #expect(fields[2] != fields[5], "the run is not in the background of its terminal: \(stat)")

        #expect(terminal.read(until: "answer> ") != nil)
        terminal.type("rollback typed while in the background")
        let decided = try await drover(["decide", id, "continue", "--reason", "seen on the dashboard", "--by", "ops"])
        #expect(decided.status == 0, "\(decided.stderr)")
        // A run stopped by SIGTTIN would never get here.
        #expect(terminal.read(until: "PAUSED: batch 2 done") != nil)
        #expect(terminal.read(until: "answer> ") != nil)
        let runs = try await drover(["runs"])
        #expect(runs.stdout.split(separator: "\n").contains { $0.hasPrefix(id) && $0.hasSuffix("PAUSED") }, "\(runs.stdout)")
        // Non-blocking: the shell has long been waiting to read it; a shell that is gone fails here, not hangs.
        let foreground = open(fifo, O_WRONLY | O_NONBLOCK)
        try #require(foreground >= 0, "the shell is not waiting on \(fifo): errno \(errno)")
        #expect(write(foreground, "fg\n", 3) == 3)
        close(foreground)
        #expect(run.wait() == 2, "\(run.lines.joined(separator: "\n"))")
        ended = true
        let answers = run.lines.filter { $0.contains(" answered ") }
        #expect(
            answers == ["   ops answered continue — seen on the dashboard", "   pat answered rollback — typed while in the background"])
    }

    @Test func continueInProductionAsksForTheApproversNameAndRecordsTheApprover() async throws {
        try Testbed.ensureUp()
        let (inventory, policy) = try Testbed.productionInventory(in: directory, approvers: ["alice"])
        let terminal = try PseudoTerminal()
        let run = try start(terminal, options: ["-i", inventory, "--policy", policy])
        let id = try Self.runID(run)
        let question = try #require(terminal.read(until: "answer> "))
        #expect(question.contains("continue is an override in production: continue --by NAME why (approvers: alice)"))
        terminal.type("continue known noise")
        #expect(terminal.read(until: "the approver's name (alice): ") != nil)
        terminal.type("mallory")
        #expect(terminal.read(until: "--by must name one of the policy's override_approvers for production (allowed: alice)") != nil)
        #expect(terminal.read(until: "answer> ") != nil)
        terminal.type("continue --by alice known noise")
        // The second batch's go-ahead: rollback, by the run's operator (no approver needed).
        #expect(terminal.read(until: "PAUSED: batch 2 done") != nil)
        terminal.type("rollback enough for tonight")
        #expect(run.wait() == 2, "\(run.lines.joined(separator: "\n"))")
        let answers = run.lines.filter { $0.contains(" answered ") }
        #expect(answers == ["   alice answered continue — known noise", "   pat answered rollback — enough for tonight"])
        let log = try await drover(["log", id])
        #expect(log.stdout.contains("alice answered continue (stage 1 'Roll out'): known noise"), "\(log.stdout)")
    }
}

/// A pseudo-terminal: the program gets the slave end, the test reads what it wrote and types at the master end.
final class PseudoTerminal: @unchecked Sendable {
    let master: Int32
    let slave: FileHandle
    private var output: [UInt8] = []
    /// Where the next `read(until:)` starts looking.
    private var consumed = 0

    init() throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        self.master = master
        self.slave = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    }

    deinit {
        close(master)
    }

    /// Closes this process's copy of the slave once the program has its own.
    func closeSlave() {
        try? slave.close()
    }

    /// What the program wrote from the last match up to `text` (which must appear within `timeout`); nil if it did
    /// not, or the terminal closed first.
    func read(until text: String, timeout: Duration = .seconds(60)) -> String? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            let seen = String(decoding: output[consumed...], as: UTF8.self)
            if let found = seen.range(of: text) {
                consumed += seen[..<found.upperBound].utf8.count
                return String(seen[..<found.upperBound])
            }
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) >= 0 else { return nil }
            guard descriptor.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = Glibc.read(master, &chunk, chunk.count)
            guard count > 0 else { return nil }
            output += chunk[..<count]
        }
        return nil
    }

    /// Types `line` and Enter.
    func type(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }
}
