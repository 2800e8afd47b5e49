import DroverModel
import Testing

@testable import DroverLoading

/// Malformed playbooks by the thousand: each must load or throw clean `LoadErrors`, never crash or hang.
@Suite struct PlaybookRobustnessTests {
    static let example: [UInt8] = Array((try? Fixtures.text("spec-example.yml"))?.utf8 ?? "".utf8)
    static let inventory: Inventory = try! loadInventory("[app]\napp[1:4]\n[db]\ndb1\n[lb]\nlb1\n")

    /// Outcome counts, so the tests can show the inputs were really varied.
    struct Outcomes {
        var loaded = 0
        var refused = 0
    }

    /// Checks one input: a playbook whose invariants hold (and which validates without crashing), or clean errors
    /// pointing inside the input.
    static func check(_ bytes: [UInt8], outcomes: inout Outcomes, path: String = "fuzz.yml") {
        let lineCount = bytes.filter { $0 == 0x0A }.count + 1
        do {
            let loaded = try PlaybookLoader().load(contents: bytes, path: path)
            outcomes.loaded += 1
            #expect(!loaded.playbook.stages.isEmpty)
            #expect(loaded.sourceMap.stages.count == loaded.playbook.stages.count)
            #expect(Set(loaded.playbook.stages.map(\.name.source)).count == loaded.playbook.stages.count)
            for (stage, sites) in zip(loaded.playbook.stages, loaded.sourceMap.stages) {
                #expect(stage.steps.count == sites.steps.count && stage.rollback.count == sites.rollback.count)
                #expect(stage.serial.allSatisfy { $0.size(hostCount: 10) >= 1 })
            }
            for error in PlaybookValidator(inventory: inventory, isFile: { _ in true }).validate(loaded) {
                #expect(error.file == path)
            }
        } catch let errors as LoadErrors {
            outcomes.refused += 1
            #expect(!errors.errors.isEmpty)
            #expect(errors.errors.count <= LoadErrors.limit + 1)
            for error in errors.errors {
                #expect(error.file == path)
                #expect(!error.message.isEmpty && !error.message.contains("\n"))
                if let line = error.line { #expect((1...lineCount).contains(line)) }
                if let column = error.column { #expect(column >= 1) }
            }
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }

    @Test func theExampleItselfLoads() {
        var outcomes = Outcomes()
        Self.check(Self.example, outcomes: &outcomes)
        #expect(outcomes.loaded == 1)
    }

    @Test func truncatingTheExampleAnywhereNeverCrashes() {
        var outcomes = Outcomes()
        let lineEnds = Self.example.indices.filter { Self.example[$0] == 0x0A }
        for end in lineEnds { Self.check(Array(Self.example[...end]), outcomes: &outcomes) }
        for end in stride(from: 0, to: Self.example.count, by: 7) {
            Self.check(Array(Self.example[..<end]), outcomes: &outcomes)
        }
        // Whole stages load; cuts mid-stage mostly do not.
        #expect(outcomes.loaded > 0)
        #expect(outcomes.refused > 100)
    }

    @Test func flippedBytesNeverCrash() {
        var random = RobustnessTests.Generator(state: 42)
        var outcomes = Outcomes()
        let alphabet = Array("{}[]:,-'\"#&*!|>%?@`\n \t0123456789abcxyz".utf8) + [0x00, 0xC3, 0xFF]
        for _ in 0..<400 {
            var bytes = Self.example
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = alphabet.randomElement(using: &random)!
            }
            Self.check(bytes, outcomes: &outcomes)
        }
        #expect(outcomes.loaded > 0)
        #expect(outcomes.refused > 0)
    }

    @Test(arguments: [
        // Deep flow nesting inside a step.
        "name: x\nstages:\n  - name: a\n    hosts: all\n    steps:\n      - run: " + String(repeating: "[", count: 5000) + "\n",
        // Deep block nesting.
        "name: x\nvars:\n" + (1...300).map { String(repeating: " ", count: $0 * 2) + "k\($0):" }.joined(separator: "\n"),
        // An alias bomb in vars.
        "name: x\nvars:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            + (1...7).map { "  a\($0): &a\($0) [" + Array(repeating: "*a\($0 - 1)", count: 10).joined(separator: ", ") + "]" }
            .joined(separator: "\n") + "\nstages: [{name: s, hosts: all, steps: [run: x]}]\n",
        // Many steps, each with an error.
        "name: x\nstages:\n  - name: a\n    hosts: all\n    steps:\n" + String(repeating: "      - run: x\n        retries: -1\n", count: 500),
        // Templates of every malformed kind.
        "name: x\nstages:\n  - name: '{{'\n    hosts: all\n    steps:\n      - run: '{{}} {{ . }} {{ a..b }} {{ a }'\n",
        // Stand-in characters already in the text.
        "name: ǂ x ǃ\nstages: [{name: a, hosts: all, steps: [run: echo {{ run.id }}]}]\n",
    ])
    func hostileDocumentsAreRefusedOrLoaded(text: String) {
        var outcomes = Outcomes()
        Self.check(Array(text.utf8), outcomes: &outcomes)
        #expect(outcomes.loaded + outcomes.refused == 1)
    }

    @Test func manyErrorsAreCappedAndCounted() throws {
        let text = "name: x\nstages:\n  - name: a\n    hosts: all\n    steps:\n"
            + String(repeating: "      - run: x\n        retries: -1\n", count: 500)
        let errors = playbookErrors(text)
        #expect(errors.count == LoadErrors.limit + 1)
        #expect(errors.last == "play.yml: 400 more errors not shown")
    }
}
