/// Keeps the last `limit` bytes written to it and counts all of them.
struct TailBuffer: Sendable {
    let limit: Int
    private(set) var total = 0
    private var storage: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    mutating func append(_ chunk: UnsafeBufferPointer<UInt8>) {
        total += chunk.count
        if chunk.count >= limit {
            storage = Array(chunk.suffix(limit))
        } else {
            storage.append(contentsOf: chunk)
            // Trim in large steps so appends stay amortised O(1).
            if storage.count > 2 * limit { storage.removeFirst(storage.count - limit) }
        }
    }

    var bytes: [UInt8] { storage.count > limit ? Array(storage.suffix(limit)) : storage }
}
