public import DroverModel

/// One line typed at a paused run's own terminal: what `drover decide` takes, in one line. `rollback bad canary`,
/// `retry rolled the config back by hand`, `continue --by alice known noise`: the choice, an approver's name if one
/// is given, then why (required, as decide's `--reason`).
public struct PauseReply: Sendable, Hashable {
    public var choice: OperatorAnswer.Choice
    /// `--by NAME`: the approver named; nil when not given (the run's operator answers).
    public var by: String?
    public var reason: String

    public init(choice: OperatorAnswer.Choice, by: String? = nil, reason: String) {
        self.choice = choice
        self.by = by
        self.reason = reason
    }

    /// Why a line is not an answer, as the sentence the terminal shows before asking again.
    public enum Problem: Error, Sendable, Hashable {
        case unknownChoice(String)
        case noApproverName
        case noReason(OperatorAnswer.Choice)

        public var sentence: String {
            switch self {
            case .unknownChoice(let word):
                "'\(word)' is not an answer: type rollback, retry or continue, then why (e.g. rollback bad canary)"
            case .noApproverName:
                "--by needs the approver's name: continue --by NAME why"
            case .noReason(let choice):
                "say why after the choice, e.g. \(choice.rawValue) \(choice == .rollback ? "bad canary" : "looks fine")"
            }
        }
    }

    /// The choices a line may start with.
    public static let choices: [OperatorAnswer.Choice] = [.rollback, .retry, .continue]

    /// Reads `line`; nil for a blank one (nothing typed: ask again without a word). The choice is any case; the
    /// reason keeps the words as typed, its spacing collapsed.
    public static func parse(_ line: String) -> Result<PauseReply, Problem>? {
        var words = line.split(whereSeparator: \.isWhitespace).map(String.init)[...]
        guard let first = words.popFirst() else { return nil }
        guard let choice = choices.first(where: { $0.rawValue == first.lowercased() }) else {
            return .failure(.unknownChoice(first))
        }
        var by: String?
        if let flag = words.first, flag == "--by" || flag.hasPrefix("--by=") {
            words.removeFirst()
            by = flag == "--by" ? words.popFirst() : String(flag.dropFirst("--by=".count))
            guard let name = by, !name.isEmpty else { return .failure(.noApproverName) }
        }
        guard !words.isEmpty else { return .failure(.noReason(choice)) }
        return .success(PauseReply(choice: choice, by: by, reason: words.joined(separator: " ")))
    }
}
