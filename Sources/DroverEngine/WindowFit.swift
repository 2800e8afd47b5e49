public import DroverModel
public import Foundation

/// Window fit (SPEC section 5): no batch starts unless it can finish before the window closes. Pure.
///
/// A batch is expected to take as long as the longest batch measured so far in this run; before the first batch,
/// the change's estimate divided by the run's planned batch count. With neither (no estimate, first batch) the
/// batch starts if the window is still open. A stop is `Decision.Action.stop`: nothing new starts, in-flight work
/// has finished, no host is rolled back, and the run ends PARTIAL.
public enum WindowFit {
    /// The expected length of the next batch: the longest measured so far, else `firstBatchEstimate`.
    public static func expected(measured: [Duration], firstBatchEstimate: Duration?) -> Duration? {
        measured.max() ?? firstBatchEstimate
    }

    /// A stop when the batch cannot finish before `closesAt`; nil when it may start.
    /// - Parameters:
    ///   - input: the engine's view before the batch.
    ///   - now: the wall-clock instant now.
    ///   - closesAt: when the window closes; nil for no limit.
    ///   - closing: the rule that closes it, for the reason ("window 'Primary' ends").
    ///   - firstBatchEstimate: the change estimate per planned batch.
    public static func decision(
        _ input: BatchGateInput, now: Date, closesAt: Date?, closing: OpenSpan.Closing?,
        firstBatchEstimate: Duration?
    ) -> Decision? {
        guard let closesAt else { return nil }
        let label = "batch \(input.batch + 1) of '\(input.stageName)'"
        let rule = closing.map { OpenSpan(start: now, end: closesAt, window: nil, closing: $0).closingText }
            ?? "the window closes"
        let remaining = closesAt.timeIntervalSince(now)
        if remaining <= 0 {
            return Decision(
                action: .stop, rule: .windowClosing, stage: input.stage, batch: input.batch,
                reason: "\(label) not started: the window closed \(clock(closesAt)) (\(rule))")
        }
        guard let expected = expected(measured: input.measured, firstBatchEstimate: firstBatchEstimate) else {
            return nil
        }
        let seconds = Double(expected.components.seconds) + Double(expected.components.attoseconds) / 1e18
        guard seconds > remaining else { return nil }
        let basis = input.measured.isEmpty ? "the estimate per batch" : "the longest batch so far"
        return Decision(
            action: .stop, rule: .windowClosing, stage: input.stage, batch: input.batch,
            reason:
                "\(label) not started: it would need about \(DurationText.format(expected)) (\(basis)) but only "
                + "\(DurationText.format(.seconds(Int(remaining)))) remain before \(clock(closesAt)) when \(rule)")
    }

    /// `2026-11-22T06:00:00Z`.
    static func clock(_ date: Date) -> String {
        let zone = ZoneRules.utc
        let (day, minutes) = zone.wallClock(at: date)
        return "\(day)T\(WallClockTime(hour: minutes / 60, minute: minutes % 60)!):00Z"
    }
}
