public import Foundation

/// The time a run is judged and measured by: a monotonic instant for durations (batches, the estimate) and the wall
/// clock for the policy (windows, blackouts) and notices. Injected, so window waits and timeouts are tested without
/// waiting.
public protocol RunClock: Sendable {
    /// Monotonic: run and batch durations.
    var now: ContinuousClock.Instant { get }
    /// The wall clock: what the policy judges.
    var date: Date { get }
    /// Waits `duration` of this clock's time; throws when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The machine's clocks; with `judgedAt`, the wall clock starts at that instant and runs on in real time (`--now`,
/// for tests of windows and freezes).
public struct SystemRunClock: RunClock {
    private let start = ContinuousClock.now
    private let base: Date?
    private let started = Date()

    public init(judgedAt base: Date? = nil) {
        self.base = base
    }

    public var now: ContinuousClock.Instant { ContinuousClock.now }

    public var date: Date {
        guard let base else { return Date() }
        let elapsed = start.duration(to: ContinuousClock.now)
        return base.addingTimeInterval(
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
