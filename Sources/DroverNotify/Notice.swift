import DroverModel
import Foundation

/// One notice to stakeholders: which event, and every fact its message and JSON carry.
///
/// A notice is a snapshot: it never refers back to the run, so it can wait in a queue and be sent later unchanged.
public struct Notice: Sendable, Hashable {
    public var event: NotifyEvent
    public var facts: RunFacts
    /// When the notice was made, as time since the run started.
    public var elapsed: Duration
    /// The stage under way (or the last one), 0-based, with its name.
    public var stage: Int?
    public var stageName: String?
    /// Hosts of the current stage, and how many of them have finished it (either way).
    public var stageHosts: Int
    public var stageHostsDone: Int
    /// Hosts that finished every stage they were in without failing.
    public var hostsDone: Int
    public var failedHosts: [String]
    public var rolledBackHosts: [String]
    public var rollbackFailedHosts: [String]
    /// The projected end of the run, when it can be told.
    public var expectedEnd: Date?
    /// For `extended`: the window's new end (also in `facts.window`).
    public var outcome: RunStatus?
    /// Why the run ended as it did, why it was refused, or why the window was extended.
    public var reason: String?
    public var progressEvery: Duration
    /// For the notices about a planned run: when it is planned and the change's facts (nil for a run's notices).
    public var planned: PlannedFacts?

    public init(
        event: NotifyEvent, facts: RunFacts, elapsed: Duration = .zero, stage: Int? = nil, stageName: String? = nil,
        stageHosts: Int = 0, stageHostsDone: Int = 0, hostsDone: Int = 0, failedHosts: [String] = [],
        rolledBackHosts: [String] = [], rollbackFailedHosts: [String] = [], expectedEnd: Date? = nil,
        outcome: RunStatus? = nil, reason: String? = nil, progressEvery: Duration = NotifySettings.defaultProgressEvery,
        planned: PlannedFacts? = nil
    ) {
        self.event = event
        self.facts = facts
        self.elapsed = elapsed
        self.stage = stage
        self.stageName = stageName
        self.stageHosts = stageHosts
        self.stageHostsDone = stageHostsDone
        self.hostsDone = hostsDone
        self.failedHosts = failedHosts
        self.rolledBackHosts = rolledBackHosts
        self.rollbackFailedHosts = rollbackFailedHosts
        self.expectedEnd = expectedEnd
        self.outcome = outcome
        self.reason = reason
        self.progressEvery = progressEvery
        self.planned = planned
    }

    /// The wall-clock time of the notice.
    public var time: Date { facts.startedAt.addingTimeInterval(Self.seconds(elapsed)) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
