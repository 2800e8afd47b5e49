/// A journal problem a user reads: one sentence, with a code scripts can match.
public struct JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The journal could not be opened, created or migrated (read-only location, full disk, not a database).
        case unavailable
        /// A write failed.
        case writeFailed
        /// No run has that id.
        case unknownRun
        /// A run with that id exists already.
        case duplicateRun
        /// What is stored cannot be read back.
        case corrupt
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func unknownRun(_ id: String) -> JournalError {
        JournalError(.unknownRun, "the journal has no run '\(id)' (drover runs lists them)")
    }
}
