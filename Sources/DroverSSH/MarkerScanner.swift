/// Finds the end-of-command marker in one output stream of a shared shell, passing everything before it on.
///
/// Output arrives in chunks that may split the marker anywhere, so a chunk's tail that could begin the marker is held
/// back until the next chunk shows whether it does.
struct MarkerScanner {
    let marker: [UInt8]
    /// Bytes not yet known to be output (a possible start of the marker), or, once found, what followed it (at
    /// most `keptAfter` bytes: the shell's status line; a host that goes on sending cannot grow it).
    private(set) var held: [UInt8] = []
    private(set) var found = false
    static let keptAfter = 64

    init(marker: [UInt8]) {
        precondition(!marker.isEmpty)
        self.marker = marker
    }

    /// Takes a chunk; returns the bytes now known to be the command's output.
    mutating func feed(_ chunk: some Collection<UInt8>) -> [UInt8] {
        if found {
            held.append(contentsOf: chunk.prefix(max(0, Self.keptAfter - held.count)))
            return []
        }
        held.append(contentsOf: chunk)
        if let start = firstMatch() {
            found = true
            let output = Array(held[..<start])
            held.removeFirst(start + marker.count)
            if held.count > Self.keptAfter { held.removeLast(held.count - Self.keptAfter) }
            return output
        }
        let keep = held.count - possibleStart()
        let output = Array(held.dropLast(keep))
        held.removeFirst(held.count - keep)
        return output
    }

    /// Where the marker may begin in the held bytes' tail (they end before all of it came), or `held.count`: only
    /// those bytes are held back, so output reaches the caller as it comes, not a marker's length late.
    private func possibleStart() -> Int {
        var index = max(0, held.count - (marker.count - 1))
        while index < held.count {
            if held[index] == marker[0] && marker.starts(with: held[index...]) { return index }
            index += 1
        }
        return held.count
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
