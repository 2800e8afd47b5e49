import DroverModel

/// Parses Ansible's INI inventory format into a `RawInventory`, collecting every error instead of stopping.
///
/// Grammar (as Ansible's `ini` plugin): `[group]` sections hold host lines, `[group:vars]` hold `key=value`
/// lines, `[group:children]` hold group names; lines before any section are hosts of `ungrouped`. Lines starting
/// with `#` or `;` are comments. A host line is split with shell quoting (an unquoted `#` starts a comment): the
/// first word is a host or a range (`app[01:12]`, optionally `:port`), each further word a `key=value` whose value
/// is a Python literal when it is one. A `:vars` value is everything after the first `=`, kept as a string
/// (`PythonLiteral.groupValue`: a quoted string is unquoted, a trailing ` # comment` dropped).
/// Section headers may end with a `#` or `;` comment. `[:vars]` and `[:children]` mean `all`.
struct INIInventoryParser {
    /// The most host entries (names times the lines naming them) one file may produce.
    static let maximumHostEntries = 1_000_000
    /// The most hosts one host line may expand to.
    static let maximumHostsPerLine = 100_000
    /// The most groups one file may name.
    static let maximumGroups = 10_000

    private enum Section {
        case hosts(String)
        case vars(String)
        case children(String)
        /// After a header that could not be understood: its lines are skipped rather than misread.
        case skipped
    }

    let file: String
    private var raw = RawInventory()
    private var errors: ErrorCollector
    private var section = Section.hosts("ungrouped")
    private var hostEntries = 0
    private var stopped = false
    private var sawContent = false

    private init(file: String, errors: ErrorCollector) {
        self.file = file
        self.errors = errors
    }

    /// Parses a whole file, adding its errors to `errors`.
    static func parse(_ data: [UInt8], file: String, errors: inout ErrorCollector) -> RawInventory {
        var parser = INIInventoryParser(file: file, errors: errors)
        parser.parse(data)
        errors = parser.errors
        return parser.raw
    }

    private mutating func parse(_ data: [UInt8]) {
        var lineStart = 0
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { lineStart = 3 }
        var lineNumber = 0
        while lineStart <= data.count && !stopped {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < data.count && data[lineEnd] != 0x0A && data[lineEnd] != 0x0D { lineEnd += 1 }
            parseLine(data[lineStart..<lineEnd], number: lineNumber)
            guard lineEnd < data.count else { break }
            lineStart =
                lineEnd + (data[lineEnd] == 0x0D && lineEnd + 1 < data.count && data[lineEnd + 1] == 0x0A ? 2 : 1)
        }
    }

    // MARK: - Lines

    private mutating func parseLine(_ line: ArraySlice<UInt8>, number: Int) {
        let text = Self.trimmed(line)
        guard let first = text.first, first != UInt8(ascii: "#"), first != UInt8(ascii: ";") else { return }
        let locate = LineLocator(file: file, line: number, lineStart: line.startIndex)
        if let bad = Self.firstInvalidUTF8(text) {
            let byte = String(text[bad], radix: 16, uppercase: true)
            errors.add(.encoding, "invalid UTF-8 (byte 0x\(byte))", at: locate(bad))
            return
        }
        defer { sawContent = true }
        if !sawContent, case .hosts("ungrouped") = section, Self.looksLikeYAML(text) {
            errors.add(
                .unsupportedFormat,
                "this looks like a YAML inventory, but only files named .yml, .yaml, .json or with no extension are "
                    + "read as YAML (as in Ansible); rename the file",
                at: locate(text.startIndex))
            stopped = true
            return
        }
        if first == UInt8(ascii: "[") {
            if parseSectionHeader(text, locate: locate) { return }
            if text.last == UInt8(ascii: "]") {
                errors.add(
                    .syntax,
                    "invalid section header \(MessageText.quoted(bytes: text)): a group name cannot contain "
                        + "whitespace, ':' or ']'",
                    at: locate(text.startIndex))
                section = .skipped
                return
            }
        }
        switch section {
        case .hosts(let group): parseHostLine(text, group: group, locate: locate)
        case .vars(let group): parseVariableLine(text, group: group, locate: locate)
        case .children(let group): parseChildLine(text, group: group, locate: locate)
        case .skipped: break
        }
    }

    /// Handles `[name]`, `[name:vars]`, `[name:children]` (Ansible's `^\[([^:\]\s]+)(?::(\w+))?\]\s*(#.*)?$`);
    /// false when the line is not a section header at all (it may be a host line starting with a range).
    private mutating func parseSectionHeader(_ text: ArraySlice<UInt8>, locate: LineLocator) -> Bool {
        var index = text.startIndex + 1
        while index < text.endIndex, !Self.isNameTerminator(text[index]) { index += 1 }
        let nameBytes = text[(text.startIndex + 1)..<index]
        var kind: ArraySlice<UInt8>?
        let colon = index
        if index < text.endIndex, text[index] == UInt8(ascii: ":") {
            index += 1
            let kindStart = index
            while index < text.endIndex, Self.isWordCharacter(text[index]) { index += 1 }
            guard index > kindStart else { return false }
            kind = text[kindStart..<index]
        } else if nameBytes.isEmpty {
            return false
        }
        guard index < text.endIndex, text[index] == UInt8(ascii: "]") else { return false }
        index += 1
        while index < text.endIndex, Self.isSpace(text[index]) { index += 1 }
        guard index == text.endIndex || text[index] == UInt8(ascii: "#") || text[index] == UInt8(ascii: ";") else {
            return false
        }

        let name = nameBytes.isEmpty ? "all" : String(decoding: nameBytes, as: UTF8.self)
        let location = locate(text.startIndex)
        guard raw.groups[name] != nil || raw.groups.count < Self.maximumGroups else {
            errors.add(.limitExceeded, "more than \(Self.maximumGroups) groups; stopping here", at: location)
            stopped = true
            return true
        }
        switch kind.map({ String(decoding: $0, as: UTF8.self) }) {
        case nil:
            raw.defineGroup(name, at: location)
            section = .hosts(name)
        case "children":
            raw.defineGroup(name, at: location)
            section = .children(name)
        case "vars":
            raw.noteGroupVars(name, at: location)
            section = .vars(name)
        case let other?:
            errors.add(
                .unknownSection,
                "unknown section type \(MessageText.quoted(":" + other)) in "
                    + "\(MessageText.quoted(bytes: text[text.startIndex..<index])): expected ':vars' or ':children'",
                at: locate(colon))
            section = .skipped
        }
        return true
    }

    private mutating func parseHostLine(
        _ text: ArraySlice<UInt8>, group: String, locate: LineLocator
    ) {
        let words: [ShellWords.Word]
        do {
            words = try ShellWords.split(text, comments: true)
        } catch {
            switch error {
            case .unterminatedQuote(let quote, let offset):
                errors.add(
                    .unterminatedQuote, "unterminated quote: this \(Character(Unicode.Scalar(quote))) is never closed",
                    at: locate(text.startIndex + offset))
            case .danglingEscape(let offset):
                errors.add(
                    .syntax, "a backslash ends the line with nothing to escape", at: locate(text.startIndex + offset))
            }
            return
        }
        guard let entry = words.first else { return }
        let entryLocation = locate(text.startIndex + entry.start)
        let entryText = entry.text
        guard let names = hostNames(entryText, at: entryLocation) else { return }

        var variables: [RawInventory.Variable] = []
        if let port = names.port {
            var location = entryLocation
            location.column += port.offset
            variables.append(RawInventory.Variable(name: "ansible_port", value: .int(port.value), location: location))
        }
        for word in words.dropFirst() {
            let wordLocation = locate(text.startIndex + word.start)
            guard let equals = word.bytes.firstIndex(of: UInt8(ascii: "=")) else {
                errors.add(
                    .syntax, "expected key=value after the host name, found \(MessageText.quoted(word.text))",
                    at: wordLocation)
                continue
            }
            let key = String(decoding: word.bytes[..<equals], as: UTF8.self)
            guard checkVariableName(key, at: wordLocation) else { continue }
            let value = PythonLiteral.hostValue(word.bytes[(equals + 1)...])
            let valueLocation = locate(text.startIndex + (word.valueStart ?? word.start))
            variables.append(RawInventory.Variable(name: key, value: value, location: valueLocation))
        }
        for name in names.names {
            raw.addHost(name, to: group, at: entryLocation)
            for variable in variables { raw.setHostVariable(name, variable) }
        }
    }

    /// The host names a host line's first word stands for, and its port; nil (with an error) when it is malformed.
    private mutating func hostNames(
        _ entry: String, at location: SourceLocation
    ) -> (names: [String], port: (value: Int, offset: Int)?)? {
        func fail(_ code: LoadError.Code, _ message: String, offset: Int = 0) {
            var at = location
            at.column += offset
            errors.add(code, message, at: at)
        }
        if entry.contains("=") {
            fail(
                .syntax,
                "expected a host name, found \(MessageText.quoted(entry)) (variables go after a host name, "
                    + "or in a [group:vars] section)")
            return nil
        }
        let limit = min(Self.maximumHostsPerLine, max(1, Self.maximumHostEntries - hostEntries))
        let names: [String]
        let port: (value: Int, offset: Int)?
        do {
            (names, port) = try HostAddress.expand(entry, limit: limit)
        } catch {
            fail(error.code, error.message, offset: error.offset)
            return nil
        }
        hostEntries += names.count
        if hostEntries >= Self.maximumHostEntries {
            fail(.limitExceeded, "the inventory names more than \(Self.maximumHostEntries) hosts; stopping here")
            stopped = true
            return nil
        }
        return (names, port)
    }

    private mutating func parseVariableLine(
        _ text: ArraySlice<UInt8>, group: String, locate: LineLocator
    ) {
        guard let equals = text.firstIndex(of: UInt8(ascii: "=")) else {
            errors.add(
                .syntax,
                "expected key=value in [\(group):vars], found \(MessageText.quoted(bytes: text))",
                at: locate(text.startIndex))
            return
        }
        let key = Self.trimmed(text[..<equals])
        let keyText = String(decoding: key, as: UTF8.self)
        guard checkVariableName(keyText, at: locate(key.isEmpty ? equals : key.startIndex)) else { return }
        let valueBytes = Self.trimmed(text[(equals + 1)...])
        let value = PythonLiteral.groupValue(valueBytes)
        let location = locate(valueBytes.isEmpty ? equals + 1 : valueBytes.startIndex)
        raw.setGroupVariable(group, RawInventory.Variable(name: keyText, value: value, location: location))
    }

    private mutating func parseChildLine(
        _ text: ArraySlice<UInt8>, group: String, locate: LineLocator
    ) {
        var index = text.startIndex
        while index < text.endIndex, !Self.isNameTerminator(text[index]) { index += 1 }
        let name = text[text.startIndex..<index]
        while index < text.endIndex, Self.isSpace(text[index]) { index += 1 }
        guard !name.isEmpty,
            index == text.endIndex || text[index] == UInt8(ascii: "#") || text[index] == UInt8(ascii: ";")
        else {
            errors.add(
                .syntax,
                "expected a group name in [\(group):children], found \(MessageText.quoted(bytes: text))",
                at: locate(text.startIndex))
            return
        }
        let child = String(decoding: name, as: UTF8.self)
        guard raw.groups[child] != nil || raw.groups.count < Self.maximumGroups else {
            errors.add(
                .limitExceeded, "more than \(Self.maximumGroups) groups; stopping here", at: locate(text.startIndex))
            stopped = true
            return
        }
        raw.addChild(child, to: group, at: locate(text.startIndex))
    }

    /// True for a usable variable name (letters, digits, `_`, not starting with a digit); else records an error.
    private mutating func checkVariableName(_ name: String, at location: SourceLocation) -> Bool {
        if name.isEmpty {
            errors.add(.syntax, "expected a variable name before '='", at: location)
            return false
        }
        guard let problem = Self.variableNameProblem(name) else { return true }
        errors.add(.syntax, problem, at: location)
        return false
    }

    /// Why `name` cannot be a variable name (both inventory formats and vars files ask), or nil when it can.
    static func variableNameProblem(_ name: String) -> String? {
        if isIdentifier(name) { return nil }
        return "invalid variable name \(MessageText.quoted(name)): use letters, digits and '_', "
            + "not starting with a digit"
    }

    /// Turns an index into the file's bytes into a location on one line.
    private struct LineLocator {
        var file: String
        var line: Int
        var lineStart: Int

        func callAsFunction(_ index: Int) -> SourceLocation {
            SourceLocation(file: file, line: line, column: index - lineStart + 1)
        }
    }

    // MARK: - Bytes

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return name.utf8.allSatisfy { byte in
            (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "_")
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C
    }

    /// `]`, `:` and whitespace end a group name.
    private static func isNameTerminator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ":") || byte == UInt8(ascii: "]") || isSpace(byte)
    }

    private static func isWordCharacter(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_")
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }

    /// True when a first line (trimmed, not a comment) starts a YAML or JSON document rather than INI: `---`,
    /// `%YAML …`, `{`, or `name:` with nothing after it but a comment.
    static func looksLikeYAML(_ text: ArraySlice<UInt8>) -> Bool {
        if text.starts(with: "---".utf8) || text.starts(with: "%YAML".utf8) || text.first == UInt8(ascii: "{") {
            return true
        }
        var body = text
        if let hash = body.firstIndex(of: UInt8(ascii: "#")), hash > body.startIndex, isSpace(body[hash - 1]) {
            body = trimmed(body[..<hash])
        }
        guard body.last == UInt8(ascii: ":"), body.count > 1 else { return false }
        return body.dropLast().allSatisfy { isWordCharacter($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// The index of the first byte that breaks UTF-8, or nil when the bytes are valid.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let count: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: count = 1
            case 0xE0:
                count = 2
                secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: count = 2
            case 0xED:
                count = 2
                secondRange = 0x80...0x9F
            case 0xF0:
                count = 3
                secondRange = 0x90...0xBF
            case 0xF1...0xF3: count = 3
            case 0xF4:
                count = 3
                secondRange = 0x80...0x8F
            default: return index
            }
            for offset in 1...count {
                let position = index + offset
                guard position < bytes.endIndex else { return index }
                let range: ClosedRange<UInt8> = offset == 1 ? secondRange : 0x80...0xBF
                guard range.contains(bytes[position]) else { return index }
            }
            index += count + 1
        }
        return nil
    }
}
