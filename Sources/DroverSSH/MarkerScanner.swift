/// Finds the end-of-command marker in one output stream of a shared shell, passing everything before it on.
///
/// Output arrives in chunks that may split the marker anywhere, so the last `marker.count - 1` bytes are held
/// back until the next chunk shows whether they start the marker.
struct MarkerScanner {
    let marker: [UInt8]
    /// Bytes not yet known to be output (a possible start of the marker), or, once found, what followed it.
    private(set) var held: [UInt8] = []
    private(set) var found = false

    init(marker: [UInt8]) {
        precondition(!marker.isEmpty)
        self.marker = marker
    }

    /// Takes a chunk; returns the bytes now known to be the command's output.
    mutating func feed(_ chunk: some Collection<UInt8>) -> [UInt8] {
        held.append(contentsOf: chunk)
        if found { return [] }
        if let start = firstMatch() {
            found = true
            let output = Array(held[..<start])
            held.removeFirst(start + marker.count)
            return output
        }
        let keep = min(held.count, marker.count - 1)
        let output = Array(held.dropLast(keep))
        held.removeFirst(held.count - keep)
        return output
    }

    private func firstMatch() -> Int? {
        guard held.count >= marker.count else { return nil }
        let first = marker[0]
        var index = 0
        while index <= held.count - marker.count {
            if held[index] == first && held[index..<(index + marker.count)].elementsEqual(marker) { return index }
            index += 1
        }
        return nil
    }
}
