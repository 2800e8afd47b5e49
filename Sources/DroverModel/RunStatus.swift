/// How a run ended, with the exit status SPEC section 1 gives it.
public enum RunStatus: String, Sendable, Hashable, Codable {
    /// Every targeted host completed.
    case successful = "SUCCESSFUL"
    /// Halted, and a rollback failed or was not defined.
    case failed = "FAILED"
    /// Halted, and every changed host was rolled back.
    case rolledBack = "ROLLED BACK"
    /// Completed with failed hosts within the failure budget, or stopped at window end.
    case partial = "PARTIAL"
    /// The policy forbade the run.
    case refused = "REFUSED"
    /// The controller was stopped.
    case interrupted = "INTERRUPTED"

    public var exitCode: Int32 {
        switch self {
        case .successful: return 0
        case .failed: return 1
        case .rolledBack: return 2
        case .partial: return 3
        case .refused: return 4
        case .interrupted: return 5
        }
    }
}
