import Synchronization

/// The status page maintenances a run updates, by the target's index in its notify settings: those of its planned
/// run (filled once the run links to it), of its interrupted attempt (resume), or the one its sender made.
public final class PlannedIncidents: Sendable {
    private let state = Mutex<[Int: String]>([:])

    public init(_ incidents: [Int: String] = [:]) {
        state.withLock { $0 = incidents }
    }

    /// The incident of target `index`, if there is one.
    public subscript(index: Int) -> String? { state.withLock { $0[index] } }

    /// Adds `incidents`, replacing those of the same targets.
    public func merge(_ incidents: [Int: String]) {
        state.withLock { $0.merge(incidents) { _, new in new } }
    }
}
