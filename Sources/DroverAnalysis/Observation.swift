/// What a `MetricSource` saw, before any bound is applied: the evaluator judges it (`AnalysisEvaluator.judge`).
public enum Observation: Sendable, Hashable {
    /// A query's one number (NaN and infinities included: the evaluator says what they mean).
    case value(Double)
    /// An HTTP answer: its status, how long it took, and whether its body held the expected text (nil: not asked).
    case response(status: Int, milliseconds: Double, bodyMatched: Bool?)
    /// No answer from a host probed over HTTP (refused, timed out): `why` in words.
    case noAnswer(String)
    /// No usable value: no data, several series, an error answer, an unreachable server; `why` in words.
    case inconclusive(String)
}
