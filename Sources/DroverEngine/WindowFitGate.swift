public import DroverModel
public import Foundation

/// Window fit: no batch starts unless it can finish before the window closes (`WindowFit.decision`).
public struct WindowFitGate: BatchGate {
    /// The wall clock the run is judged on.
    public var now: @Sendable () -> Date
    /// When the window closes.
    public var closesAt: Date
    /// What closes it, for the reason ("window 'Primary' ends").
    public var closing: OpenSpan.Closing?
    /// The expected length of the first batch (the change estimate per planned batch).
    public var firstBatchEstimate: Duration?

    public init(
        now: @escaping @Sendable () -> Date, closesAt: Date, closing: OpenSpan.Closing?, firstBatchEstimate: Duration?
    ) {
        self.now = now
        self.closesAt = closesAt
        self.closing = closing
        self.firstBatchEstimate = firstBatchEstimate
    }

    public func beforeBatch(_ batch: BatchGateInput) async -> Decision? {
        WindowFit.decision(
            batch, now: now(), closesAt: closesAt, closing: closing, firstBatchEstimate: firstBatchEstimate)
    }
}
