/// Runs one child task per item, at most `limit` at a time (`--forks`), the way a batch's hosts, a rollback group's
/// hosts and an ad-hoc fan-out run. Children return values rather than throw, so one item never cancels the others.
enum BoundedTaskGroup {
    /// Runs `operation` on every index of `0..<count`, starting the next as each one finishes.
    /// - Parameters:
    ///   - limit: the most children running at once (at least 1).
    ///   - operation: the work for one index.
    ///   - onResult: called as each child finishes, in completion order (on the calling task).
    /// - Returns: the results in index order.
    static func map<Result: Sendable>(
        count: Int, limit: Int, _ operation: @escaping @Sendable (Int) async -> Result,
        onResult: (Int, Result) -> Void = { _, _ in }
    ) async -> [Result] {
        var results = [Result?](repeating: nil, count: count)
        await withTaskGroup(of: (Int, Result).self) { group in
            var next = 0
            func startNext() {
                guard next < count else { return }
                let index = next
                next += 1
                group.addTask { (index, await operation(index)) }
            }
            for _ in 0..<min(max(1, limit), count) { startNext() }
            for await (index, result) in group {
                results[index] = result
                onResult(index, result)
                startNext()
            }
        }
        return results.map { $0! }
    }
}
