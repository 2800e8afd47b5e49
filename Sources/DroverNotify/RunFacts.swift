import DroverModel
import Foundation

/// What a run is, for notices: known before its first event (from the playbook, the inventory and the policy) and
/// completed by `RunEvent.runStarted`.
public struct RunFacts: Sendable, Hashable {
    public var runID: String
    public var playbook: String
    public var environment: String?
    public var change: ChangeInfo
    public var hostCount: Int
    /// The playbook's stage names, in order (their count drives the progress estimate).
    public var stageNames: [String]
    /// The maintenance window the run works in, when the policy gives one.
    public var window: NoticeWindow?
    /// What users see while the work goes on; nil lets the notifier describe the batches ("rolling, at most 2 of 24
    /// hosts out of service at a time").
    public var impact: String?
    /// The zone times are shown in (the policy's, else UTC).
    public var timeZone: TimeZone
    /// When the run started, on the wall clock (times in notices are this plus the run's elapsed time).
    public var startedAt: Date

    public init(
        runID: String = "", playbook: String = "", environment: String? = nil, change: ChangeInfo = ChangeInfo(),
        hostCount: Int = 0, stageNames: [String] = [], window: NoticeWindow? = nil, impact: String? = nil,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!, startedAt: Date = Date()
    ) {
        self.runID = runID
        self.playbook = playbook
        self.environment = environment
        self.change = change
        self.hostCount = hostCount
        self.stageNames = stageNames
        self.window = window
        self.impact = impact
        self.timeZone = timeZone
        self.startedAt = startedAt
    }
}

/// The window a run works in, as notices show it.
public struct NoticeWindow: Sendable, Hashable {
    /// The window's name in the policy ("Primary").
    public var name: String?
    public var end: Date

    public init(name: String?, end: Date) {
        self.name = name
        self.end = end
    }
}
