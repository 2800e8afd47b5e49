/// A problem in an input file, printed as `file:line:col: message` so editors and people can jump to it.
///
/// `code` is stable (scripts and tests key on it); `message` is one sentence for people and never repeats a secret.
public struct LoadError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// The file could not be read (missing, a directory, unreadable, too large).
        case unreadable
        /// The file is in a format this loader does not read as named (YAML in a `.ini` file; a plugin configuration).
        case unsupportedFormat = "unsupported_format"
        /// The text does not follow the format's grammar (INI, YAML).
        case syntax
        /// A line is not valid UTF-8.
        case encoding
        /// A quote is never closed, or a backslash ends the line.
        case unterminatedQuote = "unterminated_quote"
        /// A host range such as `[05:01]`, `[1:x]` or `[01:100]` is malformed or expands too far.
        case invalidRange = "invalid_range"
        /// A section header has a suffix other than `:vars` or `:children`.
        case unknownSection = "unknown_section"
        /// `[g:children]` or `[g:vars]` names a group that is never defined.
        case undefinedGroup = "undefined_group"
        /// Groups are their own ancestors through `children`.
        case groupCycle = "group_cycle"
        /// A key that the format does not define (a typo, usually: the message suggests the near miss).
        case unknownKey = "unknown_key"
        /// A required key is missing.
        case missingKey = "missing_key"
        /// A variable's value cannot be used (a port that is not a number, a malformed ProxyJump…).
        case invalidValue = "invalid_value"
        /// A password written into the inventory instead of referenced.
        case literalSecret = "literal_secret"
        /// An option that would weaken host key checking.
        case insecureOption = "insecure_option"
        /// An SSH option Drover cannot honour (ProxyCommand).
        case unsupportedOption = "unsupported_option"
        /// The input is too large or too complex to load safely.
        case limitExceeded = "limit_exceeded"
        /// More errors were found than are worth listing.
        case tooManyErrors = "too_many_errors"
        /// A `{{ }}` template is never closed or holds something other than a dotted name.
        case invalidTemplate = "invalid_template"
        /// A template or `when` names a variable that is not defined (for some or all of the hosts).
        case undefinedVariable = "undefined_variable"
        /// Keys that exclude each other are written together (two actions in one step).
        case conflictingKeys = "conflicting_keys"
        /// A name that must be unique (a stage's) is used twice.
        case duplicateName = "duplicate_name"
        /// A stage's host pattern selects no host of the inventory.
        case noHosts = "no_hosts"
        /// `delegate_to` names a host the inventory does not have.
        case unknownHost = "unknown_host"
        /// A local file a step needs (a script, an upload's source) does not exist.
        case missingFile = "missing_file"
    }

    public var code: Code
    public var message: String
    /// The file as the user named it.
    public var file: String
    /// The 1-based line, when the problem is on one line.
    public var line: Int?
    /// The 1-based column (UTF-8 bytes), when the problem is at one place on its line.
    public var column: Int?

    /// An error at one place.
    public init(_ code: Code, _ message: String, at location: SourceLocation) {
        self.code = code
        self.message = message
        self.file = location.file
        self.line = location.line
        self.column = location.column
    }

    /// An error about a whole file, or a line of it.
    public init(_ code: Code, _ message: String, file: String, line: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = nil
    }

    /// Where the error is, when it has a line and column.
    public var location: SourceLocation? {
        guard let line, let column else { return nil }
        return SourceLocation(file: file, line: line, column: column)
    }

    /// `file:line:col: message` (or `file:line: message`, or `file: message`).
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text + ": " + message
    }

    /// Orders errors by file, line and column; whole-file errors first.
    static func precedes(_ lhs: LoadError, _ rhs: LoadError) -> Bool {
        (lhs.file, lhs.line ?? 0, lhs.column ?? 0) < (rhs.file, rhs.line ?? 0, rhs.column ?? 0)
    }
}
