import DroverModel
import Yams

/// Parses one YAML document into a `YAMLNode` tree, turning every problem into a `file:line:col` `LoadError`.
///
/// Hostile input is refused before it can hurt: invalid UTF-8, nesting deeper than `maximumDepth` (the composer
/// recurses), an alias used as a mapping key (hashing it would walk its whole expansion), and documents whose
/// aliases expand past `maximumNodes` values ("billion laughs"). Merge keys (`<<: *defaults`) are applied as
/// PyYAML applies them: explicit keys win over merged ones.
enum YAMLParser {
    /// The most values a document may expand to, aliases counted at every use.
    static let maximumNodes = 1_000_000
    /// The deepest nesting accepted (flow brackets plus block indentation levels, estimated from the text).
    static let maximumDepth = 200

    /// The document's root, or nil for an empty document (nothing but comments and whitespace).
    /// - Throws: `LoadError` for the first problem (YAML syntax errors stop a YAML parser).
    static func parse(_ bytes: [UInt8], file: String) throws(LoadError) -> YAMLNode? {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let lines = LineIndex(body, file: file)
        guard let text = String(validating: body, as: UTF8.self) else {
            throw LoadError(.encoding, "the file is not valid UTF-8 text", at: lines.location(ofByte: firstInvalidByte(body)))
        }
        try screen(body, lines: lines)
        let root: Node?
        do {
            root = try Parser(yaml: text).singleRoot()
        } catch let error as YamlError {
            throw loadError(error, lines: lines)
        } catch {
            throw LoadError(.syntax, "invalid YAML: \(error)", file: file)
        }
        guard let root else { return nil }
        var converter = Converter(lines: lines)
        return try converter.convert(root, depth: 0)
    }

    /// Parses a JSON document (a `.json` inventory or vars file) as YAML, which it nearly is: tabs, which JSON
    /// allows between tokens and YAML does not, are read as spaces (a tab inside a JSON string must be escaped,
    /// so none is lost), keeping every column where it was.
    /// - Throws: `LoadError` for the first problem.
    static func parseJSON(_ bytes: [UInt8], file: String) throws(LoadError) -> YAMLNode? {
        try parse(bytes.map { $0 == 0x09 ? 0x20 : $0 }, file: file)
    }

    // MARK: - Screening hostile text

    /// Refuses nesting deeper than `maximumDepth` and aliases in key position, scanning the text once.
    private static func screen(_ body: ArraySlice<UInt8>, lines: LineIndex) throws(LoadError) {
        var flowDepth = 0
        var quote: UInt8?  // inside a quoted scalar within a flow collection
        var atLineStart = true
        var indentation = 0
        var previous: UInt8 = 0x0A  // last non-blank byte, 0x0A at a line start
        var inComment = false
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            defer { index += 1 }
            if byte == 0x0A {
                atLineStart = true
                indentation = 0
                inComment = false
                previous = 0x0A
                continue
            }
            if inComment { continue }
            if let open = quote {
                if byte == open { quote = nil }
                continue
            }
            if atLineStart {
                // Leading spaces and block indicators (`- `, `? `, `: `) each open at most one level.
                if byte == 0x20 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?") || byte == 0x09 {
                    indentation += 1
                    if byte != 0x20 && byte != 0x09 { previous = byte }
                    if indentation > maximumDepth * 2 {
                        throw LoadError(
                            .limitExceeded, "the document nests more than \(maximumDepth) levels deep",
                            at: lines.location(ofByte: index))
                    }
                    continue
                }
                atLineStart = false
            }
            switch byte {
            case UInt8(ascii: "#") where previous == 0x0A || body[index - 1] == 0x20 || body[index - 1] == 0x09:
                inComment = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                // A flow collection starts only where a node can start.
                if flowDepth > 0 || ":-?,[{\n".utf8.contains(previous) {
                    flowDepth += 1
                    if flowDepth > maximumDepth / 2 {
                        throw LoadError(
                            .limitExceeded, "the document nests more than \(maximumDepth / 2) brackets deep",
                            at: lines.location(ofByte: index))
                    }
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if flowDepth > 0 { flowDepth -= 1 }
            case UInt8(ascii: "'") where flowDepth > 0 && ",[{:".utf8.contains(previous),
                UInt8(ascii: "\"") where flowDepth > 0 && ",[{:".utf8.contains(previous):
                quote = byte
            case UInt8(ascii: "*") where ":-?,[{\n".utf8.contains(previous):
                try screenAlias(body, at: index, previous: previous, lines: lines)
            default:
                break
            }
            if byte != 0x20 && byte != 0x09 { previous = byte }
        }
    }

    /// Refuses `? *alias` and `*alias :` (an alias as a key).
    private static func screenAlias(
        _ body: ArraySlice<UInt8>, at start: Int, previous: UInt8, lines: LineIndex
    ) throws(LoadError) {
        var end = start + 1
        while end < body.endIndex, !" \t\n,[]{}".utf8.contains(body[end]) { end += 1 }
        var next = end
        while next < body.endIndex, body[next] == 0x20 || body[next] == 0x09 { next += 1 }
        let isKey = previous == UInt8(ascii: "?") || (next < body.endIndex && body[next] == UInt8(ascii: ":"))
        if isKey {
            throw LoadError(
                .limitExceeded, "an alias cannot be used as a mapping key; write the key out",
                at: lines.location(ofByte: start))
        }
    }

    /// The offset of the first byte that does not start a valid UTF-8 sequence.
    private static func firstInvalidByte(_ body: ArraySlice<UInt8>) -> Int {
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 0
            guard length > 0, index + length <= body.endIndex,
                String(validating: body[index..<index + length], as: UTF8.self) != nil
            else { return index }
            index += length
        }
        return body.endIndex
    }

    // MARK: - Yams errors

    private static func loadError(_ error: YamlError, lines: LineIndex) -> LoadError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context, !context.text.isEmpty {
                message += " (\(context.text) at line \(context.mark.line))"
            }
            return LoadError(.syntax, message, at: lines.location(of: mark))
        case .reader(let problem, let offset, _, _):
            let location = lines.location(ofByte: lines.start + (offset ?? 0))
            return LoadError(.encoding, "unreadable text: \(problem)", at: location)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { MessageText.quoted($0) }.joined(separator: ", ")
            return LoadError(
                .syntax, "the key \(names) appears more than once in this mapping",
                at: lines.location(of: context.mark))
        default:
            return LoadError(.syntax, "invalid YAML: \(error)", file: lines.file)
        }
    }

    // MARK: - Conversion

    private struct Converter {
        let lines: LineIndex
        var nodes = 0
        /// Where the last node was, so placing the next one on the same line walks on from there.
        var cursor: LineIndex.Cursor?

        mutating func convert(_ node: Node, depth: Int) throws(LoadError) -> YAMLNode {
            nodes += 1
            let location = lines.location(of: node.mark, cursor: &cursor)
            guard nodes <= YAMLParser.maximumNodes else {
                throw LoadError(
                    .limitExceeded,
                    "the document expands to more than \(YAMLParser.maximumNodes) values (aliases inside aliases?)",
                    at: location)
            }
            switch node {
            case .scalar(let scalar):
                let tag = ["", "!"].contains(scalar.tag.rawValue) ? nil : scalar.tag.rawValue
                return YAMLNode(
                    content: .scalar(.init(text: scalar.string, isPlain: scalar.style == .plain, tag: tag)),
                    location: location)
            case .sequence(let sequence):
                var children: [YAMLNode] = []
                children.reserveCapacity(sequence.count)
                for child in sequence { children.append(try convert(child, depth: depth + 1)) }
                return YAMLNode(content: .sequence(children), location: location)
            case .mapping(let mapping):
                var pairs: [YAMLNode.Pair] = []
                var merged: [YAMLNode.Pair] = []
                for (key, value) in mapping {
                    let convertedKey = try convert(key, depth: depth + 1)
                    let convertedValue = try convert(value, depth: depth + 1)
                    if case .scalar(let scalar) = convertedKey.content, scalar.isPlain, scalar.text == "<<" {
                        merged += try mergeSources(convertedValue)
                    } else {
                        pairs.append(.init(key: convertedKey, value: convertedValue))
                    }
                }
                // Explicit keys win; among merged sources the first to give a key wins (PyYAML's order).
                var present = Set(pairs.compactMap(\.key.scalarText))
                for pair in merged {
                    guard let name = pair.key.scalarText, present.insert(name).inserted else { continue }
                    pairs.append(pair)
                }
                return YAMLNode(content: .mapping(pairs), location: location)
            case .alias:
                // The composer resolves aliases; an unresolved one is an undefined anchor.
                throw LoadError(.syntax, "invalid YAML: an alias names no anchor", at: location)
            }
        }

        private func mergeSources(_ value: YAMLNode) throws(LoadError) -> [YAMLNode.Pair] {
            switch value.content {
            case .mapping(let pairs): return pairs
            case .sequence(let items):
                var result: [YAMLNode.Pair] = []
                for item in items {
                    guard case .mapping(let pairs) = item.content else {
                        throw LoadError(.syntax, "a merge key (<<) takes mappings, found \(item.shown)", at: item.location)
                    }
                    result += pairs
                }
                return result
            case .scalar:
                throw LoadError(.syntax, "a merge key (<<) takes a mapping, found \(value.shown)", at: value.location)
            }
        }
    }
}

/// Where each line starts in a file, for turning byte offsets and Yams marks into `SourceLocation`s.
struct LineIndex: Sendable {
    let file: String
    /// The offset of the first byte in the original buffer (after a byte-order mark).
    let start: Int
    private let starts: [Int]
    /// Lines holding a byte ≥ 0x80 (elsewhere a Yams column, counted in Unicode scalars, is the byte column).
    private let wideLines: Set<Int>
    private let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>, file: String) {
        self.file = file
        self.bytes = bytes
        self.start = bytes.startIndex
        var starts = [bytes.startIndex]
        var wideLines: Set<Int> = []
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == 0x0A {
                starts.append(index + 1)
            } else if byte >= 0x80 {
                wideLines.insert(starts.count)
            }
        }
        self.starts = starts
        self.wideLines = wideLines
    }

    /// A place already converted: a line, a column in Unicode scalars, and its byte offset.
    struct Cursor {
        var line: Int
        var scalars: Int
        var offset: Int
    }

    /// The location of the byte at `offset` (an index into the original buffer).
    func location(ofByte offset: Int) -> SourceLocation {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return SourceLocation(file: file, line: low + 1, column: offset - starts[low] + 1)
    }

    /// The location of a Yams mark, its column (counted in Unicode scalars) converted to UTF-8 bytes.
    func location(of mark: Mark?) -> SourceLocation {
        var cursor: Cursor?
        return location(of: mark, cursor: &cursor)
    }

    /// The location of a Yams mark, walking on from `cursor` when it is earlier on the same line (nodes come in
    /// document order, so placing every node of a long line costs one walk over it, not one per node).
    func location(of mark: Mark?, cursor: inout Cursor?) -> SourceLocation {
        guard let mark, mark.line >= 1, mark.line <= starts.count else {
            return SourceLocation(file: file, line: 1, column: 1)
        }
        let lineStart = starts[mark.line - 1]
        let lineEnd = mark.line < starts.count ? starts[mark.line] : bytes.endIndex
        guard wideLines.contains(mark.line) else {
            let offset = min(lineStart + max(mark.column, 1) - 1, lineEnd)
            return SourceLocation(file: file, line: mark.line, column: offset - lineStart + 1)
        }
        var offset = lineStart
        var scalars = 1
        if let known = cursor, known.line == mark.line, known.scalars <= mark.column {
            (offset, scalars) = (known.offset, known.scalars)
        }
        defer { cursor = Cursor(line: mark.line, scalars: scalars, offset: offset) }
        while scalars < mark.column, offset < lineEnd {
            let byte = bytes[offset]
            offset += byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
            scalars += 1
        }
        return SourceLocation(file: file, line: mark.line, column: offset - lineStart + 1)
    }
}
