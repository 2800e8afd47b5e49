/// Gathers the errors of one load: duplicates dropped, at most `LoadErrors.limit` kept, sorted on the way out.
struct ErrorCollector {
    private(set) var errors: [LoadError] = []
    private var seen: Set<LoadError> = []
    private var dropped = 0

    var isEmpty: Bool { errors.isEmpty }

    /// True once the limit is reached, so a caller can stop looking.
    var isFull: Bool { errors.count >= LoadErrors.limit }

    mutating func add(_ error: LoadError) {
        guard seen.insert(error).inserted else { return }
        if isFull {
            dropped += 1
        } else {
            errors.append(error)
        }
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
