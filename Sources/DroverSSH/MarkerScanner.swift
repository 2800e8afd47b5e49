import Glibc

/// Finds the end-of-command marker in one output stream of a shared shell, passing everything before it on.
///
/// Output arrives in chunks that may split the marker anywhere, so a chunk's tail that could begin the marker is held
/// back until the next chunk shows whether it does. The marker has a newline only as its first byte (and, for the
/// stderr marker, its last), so only a newline can begin it: output is passed on as slices of the chunk it came in,
/// found with `memchr` and `memcmp`, without copying (200 MB through `drover run` cost 0.27 s more CPU than `exec`
/// when every chunk was copied three times).
struct MarkerScanner {
    let marker: [UInt8]
    /// Bytes not yet known to be output (a possible start of the marker), or, once found, what followed it (at
    /// most `keptAfter` bytes: the shell's status line; a host that goes on sending cannot grow it).
    private(set) var held: [UInt8] = []
    private(set) var found = false
    static let keptAfter = 64

    init(marker: [UInt8]) {
        precondition(!marker.isEmpty && !marker.dropFirst().dropLast().contains(marker[0]))
        self.marker = marker
    }

    /// Takes a chunk; passes `output` the bytes now known to be the command's output (in one or two slices).
    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, output: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard !chunk.isEmpty else { return }
        if found {
            keepAfter(chunk)
            return
        }
        var rest = chunk
        if !held.isEmpty {
            // `held` is a proper prefix of the marker: does the chunk complete it, refute it, or only go on with it?
            let wanted = marker.count - held.count
            let agreeing = min(wanted, rest.count)
            let agrees = marker.withUnsafeBufferPointer {
                memcmp($0.baseAddress! + held.count, rest.baseAddress!, agreeing) == 0
            }
            if agrees && agreeing == wanted {
                found = true
                held = []
                keepAfter(UnsafeBufferPointer(rebasing: rest[wanted...]))
                return
            }
            if agrees {
                held.append(contentsOf: rest)
                return
            }
            // Not the marker; and no other byte of a proper prefix can begin it.
            held.withUnsafeBufferPointer { output($0) }
            held = []
        }
        guard let start = firstPossibleStart(rest) else {
            output(rest)
            return
        }
        if start > 0 { output(UnsafeBufferPointer(rebasing: rest[..<start])) }
        rest = UnsafeBufferPointer(rebasing: rest[start...])
        if rest.count >= marker.count {
            found = true
            keepAfter(UnsafeBufferPointer(rebasing: rest[marker.count...]))
        } else {
            held = Array(rest)
        }
    }

    /// Takes a chunk; returns the bytes now known to be the command's output.
    mutating func feed(_ chunk: some Collection<UInt8>) -> [UInt8] {
        var passed: [UInt8] = []
        Array(chunk).withUnsafeBufferPointer { bytes in feed(bytes) { passed.append(contentsOf: $0) } }
        return passed
    }

    /// The first index where the whole marker is, or where a tail of the chunk agrees with its beginning.
    private func firstPossibleStart(_ chunk: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = chunk.baseAddress else { return nil }
        var index = 0
        while index < chunk.count,
            let hit = memchr(base + index, Int32(marker[0]), chunk.count - index)
        {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            let compared = min(marker.count, chunk.count - at)
            if marker.withUnsafeBufferPointer({ memcmp($0.baseAddress!, base + at, compared) }) == 0 { return at }
            index = at + 1
        }
        return nil
    }

    private mutating func keepAfter(_ bytes: UnsafeBufferPointer<UInt8>) {
        held.append(contentsOf: bytes.prefix(max(0, Self.keptAfter - held.count)))
    }
}
