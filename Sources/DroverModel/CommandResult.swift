/// What one command did on one host.
///
/// Output is bounded: only the last `tailLimit` bytes of each stream are kept here; the byte counts are totals.
public struct CommandResult: Sendable, Hashable, Codable {
    /// The exit status, when the command exited normally.
    public var exitStatus: Int32?
    /// The signal that ended the command, without a `SIG` prefix (`"TERM"`), when it was killed.
    public var exitSignal: String?
    public var stdoutTail: [UInt8]
    public var stderrTail: [UInt8]
    public var stdoutBytes: Int
    public var stderrBytes: Int
    public var duration: Duration

    public init(
        exitStatus: Int32?,
        exitSignal: String? = nil,
        stdoutTail: [UInt8] = [],
        stderrTail: [UInt8] = [],
        stdoutBytes: Int? = nil,
        stderrBytes: Int? = nil,
        duration: Duration = .zero
    ) {
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.stdoutBytes = stdoutBytes ?? stdoutTail.count
        self.stderrBytes = stderrBytes ?? stderrTail.count
        self.duration = duration
    }

    /// True when the command exited with status 0.
    public var succeeded: Bool { exitStatus == 0 && exitSignal == nil }

    /// The kept stdout as text (invalid UTF-8 repaired).
    public var stdout: String { String(decoding: stdoutTail, as: UTF8.self) }
    /// The kept stderr as text (invalid UTF-8 repaired).
    public var stderr: String { String(decoding: stderrTail, as: UTF8.self) }
}

/// Which output stream a chunk came from.
public enum OutputStream: String, Sendable, Hashable, Codable {
    case stdout
    case stderr
}
