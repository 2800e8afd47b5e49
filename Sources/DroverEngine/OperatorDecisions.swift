public import DroverModel

/// Where the engine asks a person what to do about a pause (a gate answered `Decision.Action.pause`).
///
/// The runtime answers over the journal and the terminal (`drover decide`, from any controller); tests use a
/// scripted one. The engine bounds the wait itself: it races `answer(to:)` against the pause's timeout on its
/// injected clock (and against a stop request), and cancels whichever loses, so an implementation only waits for
/// an answer and returns soon once its task is cancelled.
public protocol OperatorDecisions: Sendable {
    /// Waits for someone's answer to `pause`.
    /// - Throws: `CancellationError` once cancelled; any other error means nobody can be asked (the engine then
    ///   takes the default answer, rollback, at once, and says why).
    func answer(to pause: Decision) async throws -> OperatorAnswer
}
