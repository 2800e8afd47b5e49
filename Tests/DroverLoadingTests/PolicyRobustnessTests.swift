import DroverModel
import Testing

@testable import DroverLoading

/// Feeds generated malformed policy files to the loader: each must give a `Policy` or clean `LoadErrors`, never a
/// crash or a hang, and never an error that prints a webhook's secret path.
@Suite struct PolicyRobustnessTests {
    static let example: [UInt8] = Array(((try? Fixtures.text("spec-policy.yml")) ?? "").utf8)

    /// One input: a policy whose invariants hold, or errors that point inside the input.
    @discardableResult
    static func check(_ bytes: [UInt8]) -> Bool {
        let lineCount = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count + 1
        do {
            let policy = try PolicyLoader().load(contents: bytes, path: "fuzz.yml")
            for environment in policy.environments.values {
                #expect(environment.overrunFactor > 1)
                #expect(environment.windows.map { !$0.isEmpty } ?? true)
                for window in environment.windows ?? [] {
                    #expect(window.start != window.end && !window.start.isEndOfDay)
                }
                for target in environment.notify?.targets ?? [] {
                    #expect(!target.events.isEmpty)
                    if case .command(let text, let names) = target.delivery {
                        #expect(text.contains { !$0.isWhitespace })
                        #expect(names.allSatisfy { !$0.isEmpty && !$0.contains(" ") })
                    }
                }
                for blackout in environment.blackouts {
                    if case .monthEnd(let days) = blackout.kind { #expect((1...27).contains(days)) }
                    if case .dates(let from, let to) = blackout.kind { #expect(from <= to) }
                }
            }
            return true
        } catch {
            #expect(!error.errors.isEmpty)
            for error in error.errors {
                #expect(error.file == "fuzz.yml")
                #expect(!error.message.isEmpty && !error.message.contains("\n"))
                #expect(!error.message.contains("T000/B000"))
                if let line = error.line { #expect((1...lineCount).contains(line)) }
            }
            return false
        }
    }

    /// A policy whose every notify feature is used: targets of both kinds with headers and environment lists,
    /// inline and file templates, a template directory (missing, so file templates fail cleanly).
    static let notifyExample = Array(
        """
        timezone: Europe/Berlin
        environments:
          production:
            windows:
              - { name: Primary, days: [sun], start: "02:00", end: "06:00" }
            notify:
              progress_every: 15m
              template_directory: notices
              targets:
                - { command: "/usr/local/bin/page --team 'on call'", environment: [PAGER_TOKEN, SITE], events: [failed, rolled_back] }
                - webhook: "https://hooks.example/T000/B000"
                  headers: { Authorization: HOOK_TOKEN, X-Site: SITE }
                  events: [started, completed, delayed]
              templates:
                started: "Starting {{change_id}} in {{window}}"
                failed: { file: failed.mustache }
          staging: {}
        notify:
          targets: [{ command: /bin/true }]
          templates: { completed: "{{#any_failed}}issues{{/any_failed}}{{^any_failed}}clean{{/any_failed}}" }

        """.utf8)

    @Test func theNotifyExampleFailsOnlyOnItsMissingTemplateDirectory() throws {
        do {
            _ = try PolicyLoader().load(contents: Self.notifyExample, path: "fuzz.yml")
            Issue.record("loaded")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.errors.first?.message.contains("the template directory 'notices' cannot be read") == true)
        }
        let inline = String(decoding: Self.notifyExample, as: UTF8.self)
            .replacingOccurrences(of: "{ file: failed.mustache }", with: "\"{{outcome}}\"")
        #expect(Self.check(Array(inline.utf8)))
    }

    @Test func notifyTruncationsAndByteFlipsLoadOrFailCleanly() {
        for length in stride(from: 0, to: Self.notifyExample.count, by: 3) {
            Self.check(Array(Self.notifyExample[..<length]))
        }
        var random = RobustnessTests.Generator(state: 17)
        let alphabet = Array("{}[]:,-'\"#&*!|>%@`\n \t0123456789.azAZ_/$".utf8) + [0x00, 0x1B, 0xC3, 0xFF]
        for _ in 0..<400 {
            var bytes = Self.notifyExample
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                bytes[position] =
                    Bool.random(using: &random)
                    ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            Self.check(bytes)
        }
    }

    @Test func theExampleLoads() {
        #expect(Self.example.count > 1000)
        #expect(Self.check(Self.example))
    }

    @Test func everyTruncationLoadsOrFailsCleanly() {
        var loaded = 0
        for length in 0..<Self.example.count {
            if Self.check(Array(Self.example[..<length])) { loaded += 1 }
        }
        // Cutting the file at the end of a line sometimes leaves a valid (smaller) policy; most cuts do not.
        #expect(loaded > 0 && loaded < Self.example.count / 2)
    }

    @Test func randomByteFlipsLoadOrFailCleanly() {
        var random = RobustnessTests.Generator(state: 5)
        let alphabet = Array("{}[]:,-'\"#&*!|>%@`\n \t0123456789.azAZ_/".utf8) + [0x00, 0xC3, 0xFF]
        var failed = 0
        for _ in 0..<400 {
            var bytes = Self.example
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                bytes[position] =
                    Bool.random(using: &random)
                    ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            if !Self.check(bytes) { failed += 1 }
        }
        #expect(failed > 200)
    }

    @Test(arguments: [
        "    overrun_factor: 99999999999999999999999999999999\n",
        "    overrun_factor: -1e308\n",
        "    overrun_factor: .nan\n",
        "    overrun_factor: .inf\n",
        "    blackouts:\n      - { name: B, month_end_days: 99999999999999999999999 }\n",
        "    blackouts:\n      - { name: B, month_end_days: -9223372036854775808 }\n",
        "    blackouts:\n      - { name: B, dates: \"99999-01-01\" }\n",
        "    blackouts:\n      - { name: B, dates: \"0000-01-01\" }\n",
        "    blackouts:\n      - { name: B, yearly: \"99-99\" }\n",
        "    windows:\n      - { name: W, days: daily, start: \"9999:00\", end: \"00:9999\" }\n",
        "    windows:\n      - { name: W, days: daily, start: \"99999999999999999999:00\", end: \"01:00\" }\n",
        "    notify:\n      progress_every: 99999999999999999999d\n",
        "    notify:\n      progress_every: 106751991167300d\n",
    ])
    func hugeNumbersAreErrorsNotCrashes(body: String) {
        let errors = policyErrors(environmentPolicy(body))
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0.hasPrefix("p.yml:") && !$0.contains("\n") })
    }

    @Test func manyRulesAndErrorsStayBounded() {
        let window = "      - { name: W, days: [sunday], start: \"25:00\", end: \"06:00\" }\n"
        let text = environmentPolicy("    windows:\n" + String(repeating: window, count: 5000))
        let errors = policyErrors(text)
        #expect(errors.count == LoadErrors.limit + 1)
        #expect(errors.last?.hasSuffix("more errors not shown") == true)
    }
}
