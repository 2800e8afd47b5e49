/// Why a host pattern selected nothing or could not be read, as a sentence naming the pattern.
///
/// `code` is stable for scripts; `message` is for people.
public struct HostPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// The pattern, or a term after its `&`/`!` prefix, is empty.
        case empty
        /// A term matches no host and no group (or only empty groups).
        case noMatch = "no_match"
        /// Every term matched something, but together they leave no host (`web:&db` with no host in both).
        case emptyResult = "empty_result"
        /// A `~regex` term is not a valid regular expression.
        case invalidRegex = "invalid_regex"
        /// A subscript (`web[5]`) points past the term's matches.
        case subscriptOutOfRange = "subscript_out_of_range"
        /// An `@file` term where no file can be read.
        case fileNotAllowed = "file_not_allowed"
    }

    public var code: Code
    /// The whole pattern as given.
    public var pattern: String
    public var message: String

    public init(_ code: Code, pattern: String, message: String) {
        self.code = code
        self.pattern = pattern
        self.message = message
    }

    public var description: String { message }
}
