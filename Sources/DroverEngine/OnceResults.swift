import DroverModel

/// `run_once` steps within one pass of a batch: the first host to reach a step runs it; the others wait for its
/// outcome and share it. A host that waits runs nothing, so it announces nothing: only its `step_finished` (skipped:
/// "run_once: ran on X") is recorded, and a crash while it waits leaves no cut-off step behind for it.
actor OnceResults {
    /// What a host does about a `run_once` step.
    enum Claim: Sendable {
        /// Run it, then `finish` with the outcome (or nil if it did not run).
        case run
        /// Another host ran it: share its outcome.
        case shared(from: String, outcome: StepOutcome)
    }

    private enum Entry {
        case running(host: String, waiting: [(host: String, continuation: CheckedContinuation<Claim, Never>)])
        case done(host: String, outcome: StepOutcome)
    }

    private var entries: [Int: Entry] = [:]

    /// - Parameter seeded: outcomes that are already known, by step index (`drover resume`: a host of the batch ran
    ///   the step before the interruption; the others share it instead of running it again).
    init(seeded: [Int: (host: String, outcome: StepOutcome)] = [:]) {
        for (step, seed) in seeded { entries[step] = .done(host: seed.host, outcome: seed.outcome) }
    }

    /// Whether `host` runs step `step` or shares another host's outcome; waits while another host runs it.
    func claim(step: Int, host: String) async -> Claim {
        switch entries[step] {
        case nil:
            entries[step] = .running(host: host, waiting: [])
            return .run
        case .done(let from, let outcome):
            return .shared(from: from, outcome: outcome)
        case .running(let runner, let waiting):
            return await withCheckedContinuation { continuation in
                entries[step] = .running(host: runner, waiting: waiting + [(host, continuation)])
            }
        }
    }

    /// The claiming host's outcome, shared with every host waiting for it. Nil: the step did not run (its
    /// announcement was refused), so the first waiting host runs it instead.
    func finish(step: Int, outcome: StepOutcome?) {
        guard case .running(let runner, var waiting)? = entries[step] else { return }
        if let outcome {
            entries[step] = .done(host: runner, outcome: outcome)
            for waiter in waiting { waiter.continuation.resume(returning: .shared(from: runner, outcome: outcome)) }
        } else if waiting.isEmpty {
            entries[step] = nil
        } else {
            let next = waiting.removeFirst()
            entries[step] = .running(host: next.host, waiting: waiting)
            next.continuation.resume(returning: .run)
        }
    }
}
