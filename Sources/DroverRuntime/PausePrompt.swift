import DroverJournal
public import DroverModel

/// A paused run's question on its own terminal: shows it, reads lines (`PauseReply`) and journals the first valid
/// answer through `PauseAnswerer`, so the rules are decide's (the run must still be paused; `continue` in production
/// names one of the policy's approvers, asked for here when the line did not) and the engine takes it from the
/// journal like any `drover decide` answer. The console only reads lines.
struct PausePrompt: Sendable {
    var console: any RunConsole
    var answerer: PauseAnswerer
    var run: String
    /// Who answers when no approver is named: the run's operator (the login name).
    var `operator`: String
    /// The run's `--policy`, for the approvers, as decide is given it.
    var policyPath: String?
    /// Lines read for one pause at most (typing mistakes); past them only `drover decide` answers.
    static let attempts = 50

    /// Asks until an answer is journaled, then returns (the journal's reader hands it to the engine). Returns also
    /// when nobody can answer here (no terminal, the input ended) or the lines ran out; throws `CancellationError`
    /// once cancelled (an answer came from elsewhere first).
    func ask(_ pause: Decision) async throws {
        let approvers = try? await answerer.approvers(for: .continue, run: run, policyPath: policyPath)
        var question: [String]? = Self.question(pause: pause, run: run, approvers: approvers ?? nil)
        for _ in 0..<Self.attempts {
            let prompt = (question.map { $0.joined(separator: "\n") + "\n" } ?? "") + "answer> "
            question = nil
            guard let line = try await console.readLine(prompt: prompt) else { return }
            switch PauseReply.parse(line) {
            case nil:
                continue
            case .failure(let problem):
                console.say(.error(problem.sentence))
            case .success(let reply):
                if try await journal(reply) { return }
            }
        }
    }

    /// Journals `reply` (asking for an approver's name when its choice needs one); false when it was refused and
    /// the question stays open.
    private func journal(_ reply: PauseReply) async throws -> Bool {
        var by = reply.by
        do {
            if by == nil,
                let approvers = try await answerer.approvers(for: reply.choice, run: run, policyPath: policyPath),
                !approvers.isEmpty
            {
                let names = approvers.joined(separator: ", ")
                let ask = "continue in production is an override: the approver's name (\(names)): "
                guard let name = try await console.readLine(prompt: ask) else { return false }
                by = name.trimmingCharacters(in: .whitespaces)
            }
            // Shown once the engine takes it, as `NAME answered CHOICE — why`.
            _ = try await answerer.answer(
                run: run, choice: reply.choice, by: by, operator: `operator`, reason: reply.reason,
                policyPath: policyPath)
            return true
        } catch let error as RuntimeError {
            console.say(.error(error.message))
            return false
        }
    }

    /// What the terminal shows once per pause: what halted with its numbers (the pause's reason), the choices, and
    /// the `drover decide` command that answers from any shell.
    static func question(pause: Decision, run: String, approvers: [String]?) -> [String] {
        // A `pause:` step asks for a go-ahead; a halt that paused may also be retried.
        let goAhead = pause.rule == .pauseStep
        let choices = goAhead ? "continue|rollback" : "rollback|retry|continue"
        var lines = [
            "PAUSED: \(pause.reason)",
            goAhead
                ? "answer here: continue or rollback, then why (e.g. continue dashboards look fine)"
                : "answer here: rollback, retry or continue, then why (e.g. rollback bad canary)",
        ]
        if let approvers {
            lines.append(
                approvers.isEmpty
                    ? "continue is an override in production and the policy names no approver: only rollback or retry"
                    : "continue is an override in production: continue --by NAME why (approvers: "
                        + approvers.joined(separator: ", ") + ")")
        }
        lines.append("or from any shell: drover decide \(run) \(choices) --reason TEXT [--by NAME]")
        return lines
    }
}
