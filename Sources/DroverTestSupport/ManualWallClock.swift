import Foundation
import Synchronization

/// Time that moves only when a test says so: a monotonic instant for the engine (`RolloutEngine.now`) and the
/// matching wall-clock `Date` for window decisions, both advanced together by `advance(by:)`.
public final class ManualWallClock: Sendable {
    private let base = ContinuousClock.now
    private let start: Date
    private let offset = Mutex<Duration>(.zero)

    /// A clock whose wall time starts at `start`.
    public init(start: Date) {
        self.start = start
    }

    /// The monotonic instant now.
    public var now: ContinuousClock.Instant { base.advanced(by: offset.withLock { $0 }) }

    /// The wall-clock time now.
    public var date: Date {
        let elapsed = offset.withLock { $0 }
        return start.addingTimeInterval(
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Moves both clocks forward.
    public func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }
}
