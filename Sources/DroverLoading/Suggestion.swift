/// "Did you mean" for near misses: the closest known word by edit distance (a swap of two neighbours counts once).
enum Suggestion {
    /// The known word closest to `word`, if it is close enough to be a typo (at most a third of its length,
    /// and at most 3 edits). Ties go to the word listed first.
    static func closest(to word: String, in known: [String]) -> String? {
        let limit = min(3, max(1, word.count / 3))
        var best: (word: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.word
    }

    /// "unknown key 'tiemout' in a step; did you mean 'timeout'?" — or the list of what is known when nothing is close.
    static func unknown(_ kind: String, _ word: String, in place: String, known: [String]) -> String {
        let head = "unknown \(kind) \(MessageText.quoted(word)) in \(place)"
        if let match = closest(to: word, in: known) { return head + "; did you mean '\(match)'?" }
        if known.count <= 12 { return head + "; expected one of: " + known.joined(separator: ", ") }
        return head
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.unicodeScalars.prefix(64))
        let b = Array(rhs.unicodeScalars.prefix(64))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
