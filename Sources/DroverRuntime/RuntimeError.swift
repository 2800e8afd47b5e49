/// Why a run or a resume did not go ahead (or could not go on): one sentence for the operator and the exit status
/// the command ends with (SPEC section 1: 4 refused, 5 interrupted, 64 invalid input, 1 anything else).
public struct RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The command's exit status.
    public var exitCode: Int32
    /// What happened, in words a tired on-call engineer understands (several lines for several problems).
    public var message: String

    public init(exitCode: Int32, _ message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    public var description: String { message }

    /// Bad flags or files (exit 64).
    public static func invalidInput(_ message: String) -> RuntimeError { RuntimeError(exitCode: 64, message) }
    /// The policy, a lease or another run forbade it (exit 4).
    public static func refused(_ message: String) -> RuntimeError { RuntimeError(exitCode: 4, message) }
    /// Stopped before it was done; `drover resume RUN` continues (exit 5).
    public static func interrupted(_ message: String) -> RuntimeError { RuntimeError(exitCode: 5, message) }
    /// The journal or the machine failed (exit 1).
    public static func failed(_ message: String) -> RuntimeError { RuntimeError(exitCode: 1, message) }
}
