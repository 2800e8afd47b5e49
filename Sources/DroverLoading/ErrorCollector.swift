/// Gathers the errors of one load: duplicates dropped, at most `LoadErrors.limit` kept, sorted on the way out.
///
/// Errors are added in discovery order; `sorted()` puts them in file order.
struct ErrorCollector {
    private(set) var errors: [LoadError] = []
    private var seen: Set<LoadError> = []
    private var dropped = 0

    var isEmpty: Bool { errors.isEmpty }

    /// True once the limit is reached, so a caller can stop looking.
    var isFull: Bool { errors.count >= LoadErrors.limit }

    /// Adds an error unless it is already listed; past the limit only counts it (without remembering it, so a
    /// huge garbage file cannot make the collector huge).
    mutating func add(_ error: LoadError) {
        if isFull {
            if !seen.contains(error) { dropped += 1 }
            return
        }
        guard seen.insert(error).inserted else { return }
        errors.append(error)
    }

    mutating func add(_ code: LoadError.Code, _ message: String, at location: SourceLocation) {
        add(LoadError(code, message, at: location))
    }

    /// The errors in file order, with a last entry counting those not listed.
    func sorted() -> [LoadError] {
        var result = errors.sorted(by: LoadError.precedes)
        if dropped > 0, let last = result.last {
            result.append(
                LoadError(
                    .tooManyErrors, "\(dropped) more \(dropped == 1 ? "error" : "errors") not shown", file: last.file))
        }
        return result
    }
}
