import DroverEngine
import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

@testable import DroverRuntime

/// A pause answered on the run's own terminal: the line's rules (`PauseReply`), and the run taking a typed answer
/// through the journal with decide's rules (an approver for `continue` in production). Over a real terminal and the
/// testbed in `TerminalAnswerTests`.
@Suite struct PausePromptTests {
    @Test(arguments: [
        ("rollback bad canary", PauseReply(choice: .rollback, reason: "bad canary")),
        ("  Retry   fixed   by hand ", PauseReply(choice: .retry, reason: "fixed by hand")),
        ("continue --by alice known noise", PauseReply(choice: .continue, by: "alice", reason: "known noise")),
        ("continue --by=alice known noise", PauseReply(choice: .continue, by: "alice", reason: "known noise")),
        // `--by` counts only right after the choice; later it is part of why.
        ("continue looks fine --by alice", PauseReply(choice: .continue, reason: "looks fine --by alice")),
    ])
    func aLineIsTheChoiceAnApproverAndWhy(line: String, reply: PauseReply) {
        #expect(PauseReply.parse(line) == .success(reply))
    }

    @Test(arguments: [
        ("continue", PauseReply.Problem.noReason(.continue)),
        ("rollback", .noReason(.rollback)),
        ("continue --by alice", .noReason(.continue)),
        ("continue --by", .noApproverName),
        ("continue --by= fine", .noApproverName),
        ("yes please", .unknownChoice("yes")),
        ("abort now", .unknownChoice("abort")),
    ])
    func aLineThatIsNoAnswerSaysWhatIsMissing(line: String, problem: PauseReply.Problem) {
        #expect(PauseReply.parse(line) == .failure(problem))
    }

    @Test func aBlankLineIsNoAnswerAndNoMistake() {
        #expect(PauseReply.parse("") == nil)
        #expect(PauseReply.parse("   \t") == nil)
    }

    @Test(arguments: [
        ([String]?.none, "or from any shell"),
        ([], "continue is an override in production and the policy names no approver: only rollback or retry"),
        (["alice", "bob"], "continue is an override in production: continue --by NAME why (approvers: alice, bob)"),
    ])
    func theQuestionOfAHaltThatPausedOffersRetryAndSaysWhoMayContinue(approvers: [String]?, third: String) {
        let pause = Decision(
            action: .pause, rule: .analysis, stage: 1, batch: 0,
            reason: "batch 1: error rate 0.5 > max 0.05; answer with: drover decide r1 rollback|retry|continue --reason TEXT")
        let lines = PausePrompt.question(pause: pause, run: "r1", approvers: approvers)
        #expect(lines[0] == "PAUSED: " + pause.reason)
        #expect(lines[1] == "answer here: rollback, retry or continue, then why (e.g. rollback bad canary)")
        #expect(lines[2].hasPrefix(third))
        #expect(lines.last == "or from any shell: drover decide r1 rollback|retry|continue --reason TEXT [--by NAME]")
    }

    static let canary = """
        name: Canary look
        stages:
          - name: Roll out
            hosts: app1:app2
            serial: 1
            pause: { prompt: Look at the canary dashboards, timeout: 10m, when: batch.index == 1 }
            steps:
              - run: "true"
            rollback:
              - run: "true"
        """

    static func answers(_ journal: any Journal, run: String) async throws -> [OperatorAnswer] {
        try await journal.events(run: run).compactMap {
            if case .event(.operatorAnswered(let answer)) = try $0.entry() { answer } else { nil }
        }
    }

    @Test func aTypedAnswerIsJournaledOnceAsTheRunsOperatorAfterTheMistakesAreSaid() async throws {
        let harness = try RuntimeHarness(typed: ["", "maybe later", "continue", "continue looks fine"])
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        let playbook = try harness.write("play.yml", Self.canary)
        let outcome = try await harness.coordinator().run(
            RunRequest(playbookPath: playbook, inventoryPath: inventory, runID: "r1"), stop: StopSignal())
        #expect(outcome.status == .successful)
        let answers = try await Self.answers(harness.journal, run: "r1")
        #expect(answers == [OperatorAnswer(stage: 0, batch: 0, choice: .continue, by: "tester", reason: "looks fine")])
        // The question once, with what paused, the choices and the command that answers from elsewhere.
        let question = try #require(harness.console.prompts.first)
        #expect(question.hasPrefix("PAUSED: batch 1 done: Look at the canary dashboards"), "\(question)")
        #expect(question.contains("answer here: continue or rollback, then why (e.g. continue dashboards look fine)"))
        #expect(question.contains("or from any shell: drover decide r1 continue|rollback --reason TEXT [--by NAME]"))
        #expect(harness.console.prompts.dropFirst().allSatisfy { $0 == "answer> " })
        #expect(harness.console.said.contains("'maybe' is not an answer: type rollback, retry or continue"))
        #expect(harness.console.said.contains("say why after the choice, e.g. continue looks fine"))
    }

    @Test func continueInProductionAsksForAnApproverThePolicyAllows() async throws {
        let harness = try RuntimeHarness(
            typed: ["continue known noise", "mallory", "continue known noise", "alice"])
        let inventory = try harness.write(
            "hosts.ini",
            "[app]\napp1 ansible_host=10.0.0.1\napp2 ansible_host=10.0.0.2\n\n[all:vars]\n"
                + "drover_environment=production\nansible_user=root\n")
        let policy = try harness.write("approvers.yml", "environments:\n  production:\n    override_approvers: [alice]\n")
        let playbook = try harness.write("play.yml", Self.canary)
        let outcome = try await harness.coordinator().run(
            RunRequest(playbookPath: playbook, inventoryPath: inventory, policyPath: policy, runID: "r1"),
            stop: StopSignal())
        #expect(outcome.status == .successful)
        let answers = try await Self.answers(harness.journal, run: "r1")
        #expect(answers == [OperatorAnswer(stage: 0, batch: 0, choice: .continue, by: "alice", reason: "known noise")])
        #expect(harness.console.prompts.first?.contains("continue --by NAME why (approvers: alice)") == true)
        #expect(harness.console.prompts.filter { $0.contains("the approver's name (alice)") }.count == 2)
        #expect(harness.console.said.contains("--by must name one of the policy's override_approvers for production"))
    }

    @Test func rollbackTypedHereTakesTheHaltPath() async throws {
        let harness = try RuntimeHarness(typed: ["rollback bad canary"])
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        let playbook = try harness.write("play.yml", Self.canary)
        let outcome = try await harness.coordinator().run(
            RunRequest(playbookPath: playbook, inventoryPath: inventory, runID: "r1"), stop: StopSignal())
        #expect(outcome.status == .rolledBack)
        #expect(outcome.reason.contains("paused, then rollback (by tester: bad canary)"), "\(outcome.reason)")
        #expect(!harness.transport.commands.contains { $0.host == "app2" })
    }
}
