import DroverTestSupport
import Foundation
import GRDB
import Testing

/// A host that writes terminal escape sequences (an OSC window title, a clear-screen, colours) into a step's and an
/// exec's output, over the real testbed: `drover run`, `drover exec` and `drover log` show them made visible, JSON
/// output keeps them escaped, and the journal keeps the bytes as the host sent them.
@Suite("host bytes never reach the terminal raw", .serialized, .timeLimit(.minutes(3)))
struct HostOutputTests {
    let directory: String
    let journal: String

    init() throws {
        try Testbed.ensureUp()
        directory = NSTemporaryDirectory() + "drover-host-output-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        journal = directory + "/journal.sqlite"
    }

    /// What a hostile host prints: a window title, a clear-screen, a cursor home, colours, a bell.
    static let hostile = #"printf '\033]0;pwned\007\033[2J\033[H\033[31mred\033[0m\n'"#
    /// The same, as Drover shows it.
    static let shown = #"\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mred\x1b[0m"#

    private func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        let binary =
            ProcessInfo.processInfo.environment["DROVER_BINARY"] ?? Testbed.repositoryRoot + "/.build/debug/drover"
        return try await Subprocess.run(binary, arguments, environment: ["HOME": directory], timeout: .seconds(120))
    }

    /// A run on one read-only testbed host whose first step prints the sequences on stdout and whose second prints
    /// them on stderr and fails (ignored), so its reason quotes them.
    private func run(output: String) async throws -> Subprocess.Result {
        let playbook = directory + "/escapes.yml"
        try """
            name: Escapes
            stages:
              - name: Print
                hosts: \(Testbed.name(3))
                steps:
                  - name: stdout
                    run: "\(Self.hostile.replacingOccurrences(of: "\\", with: "\\\\"))"
                  - name: stderr
                    run: "\(Self.hostile.replacingOccurrences(of: "\\", with: "\\\\")) >&2; exit 3"
                    ignore_errors: true
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        return try await drover([
            "run", playbook, "-i", Testbed.inventoryPath, "--limit", Testbed.name(3), "--yes", "--journal", journal,
            "--output", output,
        ])
    }

    /// No control character a terminal acts on (ESC, BEL, CSI as one byte or as UTF-8, CR).
    private func isClean(_ text: String) -> Bool {
        !text.unicodeScalars.contains { [0x1B, 0x07, 0x0D, 0x9B].contains($0.value) }
    }

    @Test func runAndLogShowThemVisibleAndTheJournalKeepsTheBytes() async throws {
        let human = try await run(output: "human")
        #expect(human.status == 0, "\(human.stdout)\(human.stderr)")
        #expect(isClean(human.stdout) && isClean(human.stderr))
        #expect(human.stdout.contains("failed (ignored)  stderr: exited 3: " + Self.shown), "\(human.stdout)")

        let json = try await run(output: "json")
        #expect(json.status == 0)
        #expect(isClean(json.stdout))
        let finished = try json.stdout.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "step_finished" }
        // Parsed back, the JSON holds exactly what the host printed.
        #expect(finished.first?["stdout_tail"] as? String == "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[H\u{1B}[31mred\u{1B}[0m\n")
        #expect((finished.last?["reason"] as? String)?.hasSuffix("\u{1B}[31mred\u{1B}[0m") == true)

        let log = try await drover(["log", "--journal", journal])
        #expect(log.status == 0, "\(log.stderr)")
        #expect(isClean(log.stdout))
        #expect(log.stdout.contains("exited 3: " + Self.shown), "\(log.stdout)")
        let markdown = try await drover(["log", "--journal", journal, "--output", "markdown"])
        #expect(isClean(markdown.stdout) && markdown.stdout.contains(Self.shown))
        let logJSON = try await drover(["log", "--journal", journal, "--output", "json"])
        #expect(isClean(logJSON.stdout) && logJSON.stdout.contains(#"\u001b]0;pwned\u0007"#))

        // The journal keeps what the host sent, byte for byte.
        let database = try DatabaseQueue(path: journal)
        let tails = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT stdout_tail FROM step_results WHERE name = 'stdout'")
        }
        #expect(tails.count == 2)
        #expect(tails.allSatisfy { $0 == "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[H\u{1B}[31mred\u{1B}[0m\n" })
    }

    @Test func theLiveStatusLineOnATerminalShowsThemVisible() async throws {
        // A stage name carrying a window title: the plain lines and the live status line (drawn only on a terminal:
        // script(1) gives drover one) show it made visible; drover's own redraw codes are the only escapes left.
        let playbook = directory + "/live.yml"
        try """
            name: Live
            stages:
              - name: "\\e]0;stage\\a {{ release }}"
                hosts: \(Testbed.name(5))
                steps:
                  - run: "true"
            vars:
              release: "\\e[2Jv2"
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        let binary =
            ProcessInfo.processInfo.environment["DROVER_BINARY"] ?? Testbed.repositoryRoot + "/.build/debug/drover"
        let command = [
            binary, "run", playbook, "-i", Testbed.inventoryPath, "--limit", Testbed.name(5), "--yes", "--journal", journal,
        ].joined(separator: " ")
        let result = try await Subprocess.run(
            "/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], environment: ["HOME": directory, "TERM": "xterm"],
            timeout: .seconds(120))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let shown = #"\x1b]0;stage\x07 \x1b[2Jv2"#
        #expect(result.stdout.contains("\r\u{1B}[K[stage 1 '" + shown + "'"), "the live line: \(result.stdout)")
        #expect(result.stdout.contains("== Stage 1 '" + shown + "'"))
        // Only drover's own "\r ESC [K" redraws remain: no title, no clear-screen, no bell.
        let escapes = result.stdout.components(separatedBy: "\u{1B}").dropFirst()
        #expect(escapes.allSatisfy { $0.hasPrefix("[K") }, "\(result.stdout)")
        #expect(!result.stdout.contains("\u{07}"))
    }

    @Test func execShowsThemVisibleAndItsJSONKeepsThemEscaped() async throws {
        let arguments = [
            "exec", "-i", Testbed.inventoryPath, "--limit", Testbed.name(4), "--",
            Self.hostile + "; " + Self.hostile + " >&2; printf 'bad\\351byte\\r\\n'",
        ]
        let human = try await drover(arguments)
        #expect(human.status == 0, "\(human.stdout)\(human.stderr)")
        #expect(isClean(human.stdout))
        #expect(human.stdout.contains("    | " + Self.shown + "\n"), "\(human.stdout)")
        #expect(human.stdout.contains("    ! " + Self.shown + "\n"), "\(human.stdout)")
        // An invalid UTF-8 byte and a carriage return are shown too.
        #expect(human.stdout.contains(#"    | bad\xe9byte\x0d"#), "\(human.stdout)")

        let json = try await drover(Array(arguments.prefix(5)) + ["--output", "json"] + Array(arguments.dropFirst(5)))
        #expect(json.status == 0)
        #expect(isClean(json.stdout))
        #expect(json.stdout.contains(#"\u001b]0;pwned\u0007\u001b[2J"#), "\(json.stdout)")
    }
}
