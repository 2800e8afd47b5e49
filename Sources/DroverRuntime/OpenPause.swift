import DroverJournal
public import DroverModel

/// A run's pause that no answer has closed yet, read from its journal chain: what `drover decide` answers and
/// what the paused controller waits on.
public struct OpenPause: Sendable, Hashable {
    /// The pause decision (its reason names the metric and the values).
    public var decision: Decision
    /// The pause's place in the run's chain: an answer for it comes after this.
    public var sequence: Int

    /// The `pause` decision of `events` that no `operator_answered` for its stage and batch follows; nil when the run
    /// is not waiting for a person. A pause asked again for the same batch (a resume re-asks it) keeps the first one's
    /// place, so an answer given while no controller was alive still counts. Unreadable entries are skipped.
    public static func of(_ events: [JournalEvent]) -> OpenPause? {
        var open: OpenPause?
        for event in events {
            guard let entry = try? event.entry() else { continue }
            switch entry {
            case .event(.decision(let decision)) where decision.action == .pause:
                if let pause = open, pause.isFor(decision) { continue }
                open = OpenPause(decision: decision, sequence: event.sequence)
            case .event(.operatorAnswered(let answer)):
                if let pause = open, answer.stage == pause.decision.stage, answer.batch == pause.decision.batch {
                    open = nil
                }
            case .event(.runFinished):
                open = nil
            default:
                break
            }
        }
        return open
    }

    /// `pause` as it was open when it was last asked in `events`, whether or not an answer follows: where the paused
    /// controller looks for its answer (one written before the controller first reads the chain included). Nil while
    /// `events` do not hold it.
    public static func asked(_ pause: Decision, in events: [JournalEvent]) -> OpenPause? {
        let asking = OpenPause(decision: pause, sequence: 0)
        let last = events.lastIndex {
            if case .event(.decision(let decision))? = try? $0.entry() { asking.isFor(decision) } else { false }
        }
        guard let last, let open = of(Array(events[...last])), open.isFor(pause) else { return nil }
        return open
    }

    /// Whether `decision` is this pause asked again: the same batch and rule.
    public func isFor(_ decision: Decision) -> Bool {
        decision.action == .pause && decision.stage == self.decision.stage && decision.batch == self.decision.batch
            && decision.rule == self.decision.rule
    }

    /// The first answer to this pause in `events` (those after its sequence), if one was given.
    public func answer(in events: [JournalEvent]) -> OperatorAnswer? {
        for event in events where event.sequence > sequence {
            if case .event(.operatorAnswered(let answer))? = try? event.entry(), answer.stage == decision.stage,
                answer.batch == decision.batch
            {
                return answer
            }
        }
        return nil
    }
}
