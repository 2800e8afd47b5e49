/// A shell-style wildcard pattern with Python `fnmatch` semantics, matched against a whole name.
///
/// `*` matches any run of characters (dots included), `?` one character, `[seq]` one character in the set,
/// `[!seq]` one character not in it, with `a-z` ranges. A `[` that no `]` closes is a literal `[`.
/// Matching is case-sensitive and linear in practice (one-star backtracking), so no input makes it hang.
struct GlobPattern: Sendable {
    private enum Element: Sendable {
        case literal(Unicode.Scalar)
        case anyCharacter
        case anyRun
        case set(negated: Bool, ranges: [ClosedRange<Unicode.Scalar>])

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .literal(let expected): return scalar == expected
            case .anyCharacter: return true
            case .anyRun: return true
            case .set(let negated, let ranges): return ranges.contains { $0.contains(scalar) } != negated
            }
        }
    }

    private let elements: [Element]

    init(_ pattern: String) {
        let scalars = Array(pattern.unicodeScalars)
        var elements: [Element] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*":
                if case .anyRun? = elements.last { continue }
                elements.append(.anyRun)
            case "?":
                elements.append(.anyCharacter)
            case "[":
                var end = index
                if end < scalars.count && scalars[end] == "!" { end += 1 }
                if end < scalars.count && scalars[end] == "]" { end += 1 }
                while end < scalars.count && scalars[end] != "]" { end += 1 }
                guard end < scalars.count else {
                    elements.append(.literal("["))
                    continue
                }
                var content = scalars[index..<end]
                index = end + 1
                let negated = content.first == "!"
                if negated { content = content.dropFirst() }
                elements.append(.set(negated: negated, ranges: Self.ranges(Array(content))))
            default:
                elements.append(.literal(scalar))
            }
        }
        self.elements = elements
    }

    /// `a-z0-9_` → ranges; a reversed range (`z-a`) matches nothing, as in Python.
    private static func ranges(_ content: [Unicode.Scalar]) -> [ClosedRange<Unicode.Scalar>] {
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var index = 0
        while index < content.count {
            if index + 2 < content.count && content[index + 1] == "-" {
                if content[index] <= content[index + 2] { ranges.append(content[index]...content[index + 2]) }
                index += 3
            } else {
                ranges.append(content[index]...content[index])
                index += 1
            }
        }
        return ranges
    }

    /// True when `text` matches the whole pattern.
    func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var element = 0
        var position = 0
        var starElement = -1
        var starPosition = 0
        while position < scalars.count {
            if element < elements.count, case .anyRun = elements[element] {
                starElement = element
                starPosition = position
                element += 1
            } else if element < elements.count && elements[element].matches(scalars[position]) {
                element += 1
                position += 1
            } else if starElement >= 0 {
                element = starElement + 1
                starPosition += 1
                position = starPosition
            } else {
                return false
            }
        }
        while element < elements.count, case .anyRun = elements[element] { element += 1 }
        return element == elements.count
    }

    /// True when the text has a wildcard character, so it is a pattern rather than a plain name.
    static func hasWildcards(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }
}
