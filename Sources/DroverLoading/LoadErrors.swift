/// Every problem found in the input, in file order; thrown instead of stopping at the first.
///
/// Invariant: `errors` is never empty. At most `limit` errors are listed; a last `tooManyErrors` entry says how many
/// more there were.
public struct LoadErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// How many errors are listed before the rest are summarised.
    public static let limit = 100

    public var errors: [LoadError]

    public init(_ errors: [LoadError]) {
        precondition(!errors.isEmpty, "LoadErrors needs at least one error")
        self.errors = errors
    }

    /// One `file:line:col: message` per line.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
