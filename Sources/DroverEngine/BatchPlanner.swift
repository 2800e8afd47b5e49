public import DroverModel

/// Splits a stage's hosts into batches exactly as Ansible's `serial` does.
///
/// Sizes are taken in order and the last repeats; a percentage is of the stage's whole host count, floored, at
/// least 1; an empty `serial` is one batch of every host; the last batch holds what is left.
public enum BatchPlanner {
    /// The batches, each a slice of `hosts` in order. Never empty batches; no batches for no hosts.
    public static func batches<T>(_ hosts: [T], serial: [SerialEntry]) -> [[T]] {
        sizes(hostCount: hosts.count, serial: serial).reduce(into: (batches: [[T]](), start: 0)) { state, size in
            state.batches.append(Array(hosts[state.start..<state.start + size]))
            state.start += size
        }.batches
    }

    /// The batch sizes for `hostCount` hosts (they sum to `hostCount`).
    public static func sizes(hostCount: Int, serial: [SerialEntry]) -> [Int] {
        guard hostCount > 0 else { return [] }
        guard !serial.isEmpty else { return [hostCount] }
        var sizes: [Int] = []
        var remaining = hostCount
        var index = 0
        while remaining > 0 {
            let size = min(remaining, max(1, serial[index].size(hostCount: hostCount)))
            sizes.append(size)
            remaining -= size
            index = min(index + 1, serial.count - 1)
        }
        return sizes
    }
}
