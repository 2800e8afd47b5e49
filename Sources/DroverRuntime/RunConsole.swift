public import DroverEngine
public import DroverModel

/// Where a run shows itself to the operator besides the journal: the live lines or JSON events, and the sentences
/// that are not events (a refusal's details, a lost lease, a stop heard). The executable implements it for the
/// terminal; tests record what was shown.
public protocol RunConsole: Sendable {
    /// An event the journal has recorded, in order (nothing is shown that was not written first).
    func show(_ event: RunEvent)
    /// A sentence for the operator.
    func say(_ message: ConsoleMessage)
    /// Asks the operator to go ahead; the executable answers true without asking when it cannot ask (no terminal)
    /// or was told not to (`--yes`).
    func confirm(_ question: String) async -> Bool
    /// Writes `prompt` where the operator sits and reads the line they type: how a paused run is answered on its own
    /// terminal. Nil when nobody can answer there (no terminal, JSON output, the input ended; the default). Ends
    /// soon once its task is cancelled (an answer came from elsewhere), leaving no read behind to take later input.
    /// - Throws: `CancellationError` only.
    func readLine(prompt: String) async throws -> String?
    /// How many steps each stage has, before the run starts (for a progress line).
    func expect(stepsPerStage: [Int])
}

extension RunConsole {
    public func expect(stepsPerStage: [Int]) {}
    public func readLine(prompt: String) async throws -> String? { nil }
}

/// A sentence for the operator, by what it is about.
public enum ConsoleMessage: Sendable, Hashable {
    /// Context worth a line in the live view, nothing in JSON (`no policy file: no time restrictions`).
    case note(String)
    /// Progress of the command itself (`resuming run X: 12 completed steps will not run again`).
    case info(String)
    /// Something went wrong or was refused; says what to do about it.
    case error(String)
    /// The operator's stop was heard (Ctrl-C, SIGTERM, SIGHUP): nothing new starts, or in-flight steps are aborted.
    case stopRequested(StopSignal.Level)
}
