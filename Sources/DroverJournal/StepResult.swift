public import DroverModel
public import Foundation

/// One step on one host as the journal's step table keeps it: written `started` before the step runs, completed
/// with its result after.
public struct StepResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// Started, not finished (yet, or ever: the controller died).
        case started
        case ok, failed, ignored, skipped
    }

    public var ref: StepRef
    public var status: Status
    public var exitStatus: Int32?
    public var signal: String?
    public var attempts: Int
    public var duration: Duration?
    public var reason: String?
    public var stdoutTail: String
    public var stderrTail: String
    public var stdoutBytes: Int
    public var stderrBytes: Int
    public var startedAt: Date
    public var finishedAt: Date?

    public init(
        ref: StepRef, status: Status, exitStatus: Int32? = nil, signal: String? = nil, attempts: Int = 0,
        duration: Duration? = nil, reason: String? = nil, stdoutTail: String = "", stderrTail: String = "",
        stdoutBytes: Int = 0, stderrBytes: Int = 0, startedAt: Date, finishedAt: Date? = nil
    ) {
        self.ref = ref
        self.status = status
        self.exitStatus = exitStatus
        self.signal = signal
        self.attempts = attempts
        self.duration = duration
        self.reason = reason
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.stdoutBytes = stdoutBytes
        self.stderrBytes = stderrBytes
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}
