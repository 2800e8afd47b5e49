public import Foundation
import Synchronization

/// A wall clock for tests: starts at a fixed instant and moves only by `step` per reading, or when told.
public final class SteppingClock: Sendable {
    private let current: Mutex<Date>
    private let step: TimeInterval

    /// - Parameters:
    ///   - start: the first reading (default 2026-11-22T02:00:00Z, a Sunday in the primary window).
    ///   - step: how far each reading moves the clock on.
    public init(start: Date = Date(timeIntervalSince1970: 1_795_312_800), step: TimeInterval = 1) {
        self.current = Mutex(start)
        self.step = step
    }

    /// The current time; the clock then moves on by `step`.
    @Sendable public func now() -> Date {
        current.withLock { value in
            defer { value = value.addingTimeInterval(step) }
            return value
        }
    }

    /// Moves the clock on without reading it.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
