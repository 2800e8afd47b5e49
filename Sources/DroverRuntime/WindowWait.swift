import DroverEngine
import Foundation

/// `--wait-for-window`: sleeps until the next opening on the run's clock, in slices of at most a minute (so a wall
/// clock that jumps, or a machine that slept, is noticed), and ends at once when the operator asks the run to stop.
enum WindowWait {
    /// - Returns: true once `opening` has come; false when a stop was requested first.
    static func until(_ opening: Date, clock: any RunClock, stop: StopSignal) async -> Bool {
        while clock.date < opening {
            if stop.isStopping { return false }
            let seconds = min(60, max(0.001, opening.timeIntervalSince(clock.date)))
            let stopped = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try? await clock.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
                    return false
                }
                group.addTask {
                    await stop.requested()
                    return true
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if stopped || stop.isStopping { return false }
        }
        return true
    }
}
