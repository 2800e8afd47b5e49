/// A `--limit` (or a stage's `hosts:`) expression in Ansible's host pattern language.
///
/// The text is split on commas when it has any, else on colons (keeping `[x:y]` brackets and IPv6 addresses
/// whole), as Ansible splits it. Each part is a term: a host name, a group name, a glob (`web*`, `host0[1-3]`),
/// or a regular expression after `~`, optionally followed by a subscript (`web[0]`, `web[-1]`, `web[1:3]`).
/// A `&` prefix intersects, a `!` prefix excludes. Terms are applied as Ansible applies them: every union first,
/// then every intersection, then every exclusion; with no union term, the terms apply to `all`.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    /// How a term combines with the hosts selected so far.
    public enum Operation: Sendable, Hashable {
        /// No prefix: add the term's hosts.
        case union
        /// `&`: keep only hosts the term also matches.
        case intersection
        /// `!`: drop hosts the term matches.
        case exclusion
    }

    /// Which of a term's matches to keep, in inventory order, as Ansible's subscripts select them.
    public enum Subscript: Sendable, Hashable {
        /// `[i]`: the i-th match; negative counts from the end.
        case index(Int)
        /// `[a:b]` or `[a:]`: matches a through b inclusive; a nil end means through the last.
        case range(Int, Int?)
    }

    /// One part of a pattern.
    public struct Term: Sendable, Hashable, CustomStringConvertible {
        public var operation: Operation
        /// A host or group name, a glob, or a regular expression starting with `~`.
        public var expression: String
        public var selection: Subscript?

        public init(operation: Operation = .union, expression: String, selection: Subscript? = nil) {
            self.operation = operation
            self.expression = expression
            self.selection = selection
        }

        /// The term as written: prefix, expression, subscript.
        public var description: String {
            let prefix: String
            switch operation {
            case .union: prefix = ""
            case .intersection: prefix = "&"
            case .exclusion: prefix = "!"
            }
            let suffix: String
            switch selection {
            case nil: suffix = ""
            case .index(let index): suffix = "[\(index)]"
            case .range(let start, let end): suffix = "[\(start):\(end.map(String.init) ?? "")]"
            }
            return prefix + expression + suffix
        }
    }

    /// The terms in the order they were written.
    public var terms: [Term]
    /// The pattern as the user wrote it (for messages); for built patterns, the terms in comma form.
    public var text: String

    public init(terms: [Term]) {
        self.terms = terms
        self.text = terms.map(\.description).joined(separator: ",")
    }

    /// Parses a pattern; an `@file` part is an error here (see the `fileReader` variant).
    /// - Throws: `HostPatternError` when the text is empty, a prefix has no expression, or a part names a file.
    public init(_ text: String) throws {
        try self.init(text, fileReader: nil)
    }

    /// Parses a pattern, replacing each `@file` part with the lines `fileReader` returns for the path after `@`.
    ///
    /// Each non-blank line of such a file is one term, taken whole (not split again), as Ansible reads limit files.
    /// - Throws: `HostPatternError`, or whatever `fileReader` throws.
    public init(_ text: String, fileReader: ((String) throws -> [String])?) throws {
        var parts: [String] = []
        for part in Self.split(text) {
            guard part.hasPrefix("@") else {
                parts.append(part)
                continue
            }
            let path = String(part.dropFirst())
            guard let fileReader, !path.isEmpty else {
                throw HostPatternError(
                    .fileNotAllowed, pattern: text,
                    message: "'\(part)' names a pattern file, which can only be read when loading a --limit")
            }
            parts += try fileReader(path).map { Self.trimmed($0) }.filter { !$0.isEmpty }
        }
        guard !parts.isEmpty else {
            throw HostPatternError(.empty, pattern: text, message: "the host pattern is empty")
        }
        self.terms = try parts.map { try Self.term($0, in: text) }
        self.text = text
    }

    /// The pattern written back in Ansible's comma form.
    public var description: String {
        terms.map(\.description).joined(separator: ",")
    }

    /// The terms in the order Ansible applies them: unions, then intersections, then exclusions; with no union,
    /// `all` comes first.
    public var orderedTerms: [Term] {
        var unions = terms.filter { $0.operation == .union }
        if unions.isEmpty { unions = [Term(expression: "all")] }
        return unions + terms.filter { $0.operation == .intersection } + terms.filter { $0.operation == .exclusion }
    }

    /// Splits pattern text into its parts as Ansible's `split_host_pattern` does, without parsing them.
    ///
    /// With a comma anywhere the text splits on commas only. Otherwise an IPv6 address stays whole, and anything
    /// else splits on colons and whitespace, keeping a bracketed `[...]` together. Blank parts are dropped.
    public static func split(_ text: String) -> [String] {
        if text.contains(",") {
            return text.split(separator: ",", omittingEmptySubsequences: false).map { trimmed(String($0)) }
                .filter { !$0.isEmpty }
        }
        let whole = trimmed(text)
        if looksLikeIPv6(whole) { return [whole] }
        // Ansible: re.findall(r'(?:[^\s:\[\]]|\[[^\]]*\])+') — a closed [...] stays whole; ':', whitespace and
        // unmatched brackets separate.
        let characters = Array(text)
        var nextClose = [Int?](repeating: nil, count: characters.count + 1)
        for position in characters.indices.reversed() {
            nextClose[position] = characters[position] == "]" ? position : nextClose[position + 1]
        }
        var parts: [String] = []
        var current = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "[", let close = nextClose[index + 1] {
                current += String(characters[index...close])
                index = close + 1
                continue
            }
            if character == ":" || character == "[" || character == "]" || character.isWhitespace {
                if !current.isEmpty { parts.append(current) }
                current = ""
            } else {
                current.append(character)
            }
            index += 1
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    private static func term(_ part: String, in text: String) throws -> Term {
        var operation = Operation.union
        var expression = Substring(part)
        if expression.first == "&" {
            operation = .intersection
            expression = expression.dropFirst()
        } else if expression.first == "!" {
            operation = .exclusion
            expression = expression.dropFirst()
        }
        guard !expression.isEmpty else {
            throw HostPatternError(
                .empty, pattern: text, message: "'\(part)' has nothing after '\(part.prefix(1))'")
        }
        if expression.first != "~", let (base, selection) = splitSubscript(expression) {
            return Term(operation: operation, expression: String(base), selection: selection)
        }
        return Term(operation: operation, expression: String(expression))
    }

    /// `name[3]`, `name[-1]`, `name[1:4]`, `name[2:]` → the name and the subscript; nil when there is none.
    ///
    /// `[1-3]` is left alone: it is a glob character class here (Ansible dropped `-` subscripts).
    private static func splitSubscript(_ expression: Substring) -> (Substring, Subscript)? {
        guard expression.last == "]", let open = expression.lastIndex(of: "["), open > expression.startIndex else {
            return nil
        }
        let inside = expression[expression.index(after: open)..<expression.index(before: expression.endIndex)]
        let base = expression[..<open]
        func number(_ text: Substring, allowMinus: Bool) -> Int? {
            var digits = text
            if allowMinus, digits.first == "-" { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return nil
            }
            return Int(text)
        }
        if let colon = inside.firstIndex(of: ":") {
            guard let start = number(inside[..<colon], allowMinus: false) else { return nil }
            let endText = inside[inside.index(after: colon)...]
            if endText.isEmpty { return (base, .range(start, nil)) }
            guard let end = number(endText, allowMinus: false) else { return nil }
            return (base, .range(start, end))
        }
        guard let index = number(inside, allowMinus: true) else { return nil }
        return (base, .index(index))
    }

    static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }

    /// True for an IPv6 address (`::1`, `fe80::1`, `2001:db8:0:0:0:0:0:1`), optionally bracketed.
    static func looksLikeIPv6(_ text: String) -> Bool {
        var address = Substring(text)
        if address.first == "[" && address.last == "]" { address = address.dropFirst().dropLast() }
        let pieces = address.split(separator: ":", omittingEmptySubsequences: false)
        let compressed = address.doubleColonCount
        guard pieces.count >= 3, pieces.count <= 9, compressed <= 1 else { return false }
        if compressed == 0 && pieces.count != 8 { return false }
        for (index, piece) in pieces.enumerated() {
            if piece.isEmpty { continue }
            if index == pieces.count - 1 && piece.contains(".") {
                let octets = piece.split(separator: ".", omittingEmptySubsequences: false)
                guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
                continue
            }
            guard piece.count <= 4, piece.allSatisfy({ $0.isHexDigit }) else { return false }
        }
        return true
    }
}

extension Substring {
    /// How many times `::` occurs.
    fileprivate var doubleColonCount: Int {
        var count = 0
        var previous: Character?
        for character in self {
            if character == ":" && previous == ":" {
                count += 1
                previous = nil
            } else {
                previous = character
            }
        }
        return count
    }
}
