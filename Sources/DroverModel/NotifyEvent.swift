/// Something about a run, or a run planned for later, that stakeholders may be told (SPEC sections 7 and 11); raw
/// values are the policy file's names.
public enum NotifyEvent: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case started
    /// Sent every `progress_every` while the run goes on.
    case progress
    /// The projected end is past the window.
    case delayed
    /// The window was extended (an approved extension, `drover extend`).
    case extended
    case completed
    case completedWithIssues = "completed_with_issues"
    case rolledBack = "rolled_back"
    case failed
    /// The run was refused (outside a window, in a blackout, missing approval).
    case refused
    /// The run was stopped by a signal or lost its controller.
    case interrupted
    /// A run was planned (`drover schedule`), or planned again for another time.
    case scheduled
    /// The first advance notice before a planned run (at the longest of the `advance` offsets).
    case advance
    /// A later advance notice before a planned run (at each shorter `advance` offset).
    case reminder
    /// A planned run was cancelled (`drover schedule --cancel`).
    case cancelled
    /// A planned run did not start before its window ended.
    case missed

    public var description: String { rawValue }

    /// The events about a planned run, sent by `drover schedule` and `drover notify-due` rather than by a run.
    public static let scheduleEvents: Set<NotifyEvent> = [.scheduled, .advance, .reminder, .cancelled, .missed]
}
