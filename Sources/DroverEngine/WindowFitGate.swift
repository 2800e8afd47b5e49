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
    /// Where a later end comes from while the run goes on (`drover extend`, read from the journal): asked before
    /// each batch; nil, or an answer of nil, keeps `closesAt`.
    public var extendedEnd: (@Sendable () async -> Date?)?

    public init(
        now: @escaping @Sendable () -> Date, closesAt: Date, closing: OpenSpan.Closing?, firstBatchEstimate: Duration?,
        extendedEnd: (@Sendable () async -> Date?)? = nil
    ) {
        self.now = now
        self.closesAt = closesAt
        self.closing = closing
        self.firstBatchEstimate = firstBatchEstimate
        self.extendedEnd = extendedEnd
    }

    public func beforeBatch(_ batch: BatchGateInput) async -> Decision? {
        let end = await extendedEnd?().map { max($0, closesAt) } ?? closesAt
        return WindowFit.decision(
            batch, now: now(), closesAt: end, closing: closing, firstBatchEstimate: firstBatchEstimate)
    }
}
