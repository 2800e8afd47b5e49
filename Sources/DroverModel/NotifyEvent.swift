/// Something about a run that stakeholders may be told (SPEC section 7); raw values are the policy file's names.
public enum NotifyEvent: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case started
    /// Sent every `progress_every` while the run goes on.
    case progress
    /// The projected end is past the window.
    case delayed
    /// The window was extended (an approved extension).
    case extended
    case completed
    case completedWithIssues = "completed_with_issues"
    case rolledBack = "rolled_back"
    case failed
    /// The run was refused (outside a window, in a blackout, missing approval).
    case refused
    /// The run was stopped by a signal or lost its controller.
    case interrupted
    /// The run is paused for a person's decision (an analysis halt with `on_halt: pause`, a `pause:` step).
    case paused

    public var description: String { rawValue }
}
