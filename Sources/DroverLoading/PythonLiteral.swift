// Longer than the house's ~400 lines on purpose: one grammar (Python's literals) as one recursive-descent reader;
// split across files, its mutually recursive rules would be harder to follow than to scroll.
import DroverModel

/// Evaluates INI inventory values as Ansible does: as Python literals (`ast.literal_eval`), else as plain text.
///
/// Understood: integers (`22`, `-1`, `0x1F`, `0o755`, `0b101`, `1_000`), floats (`1.5`, `.5`, `1e3`), strings with
/// any prefix but `f` (`'a'`, `"b"`, `r'\d'`, `b'x'`, triple quotes, adjacent strings concatenated), `True`,
/// `False`, `None`, lists, tuples and sets (as lists), dicts (string or integer keys), `set()`, and a bare `1, 2`
/// tuple. As in Ansible, `...` and imaginary numbers (`1j`) become text. A trailing `# comment` is ignored.
/// Anything else is not a literal (`10.0.0.1`, `host-01`, `true`, `0755`, `10-5`). Integers beyond 64 bits,
/// infinite floats and nesting deeper than `maximumDepth` are treated as not literals. Linear in the input.
struct PythonLiteral {
    /// Deeper nesting is not a literal (CPython itself stops near 200).
    static let maximumDepth = 100

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// The literal and the offset just past its last token (before any trailing comment); nil when not a literal.
    static func parse(_ text: ArraySlice<UInt8>) -> (value: InventoryValue, end: Int)? {
        var parser = PythonLiteral(text)
        return parser.parseTop()
    }

    /// The literal's value; nil when the text is not a Python literal.
    static func evaluate(_ text: String) -> InventoryValue? {
        parse(ArraySlice(Array(text.utf8)))?.value
    }

    /// A host-line value, as Ansible reads it: the literal when the text is one, else the text itself.
    static func hostValue(_ text: ArraySlice<UInt8>) -> InventoryValue {
        parse(text)?.value ?? .string(String(decoding: text, as: UTF8.self))
    }

    /// A `[group:vars]` value, which Drover keeps a string (as Ansible's documentation describes).
    ///
    /// A string literal is unquoted (`'-o A=b'` → `-o A=b`); any other literal keeps its text without a trailing
    /// comment (`8080  # web port` → `8080`); text that is no literal loses a ` # comment` (a `#` after whitespace).
    static func groupValue(_ text: ArraySlice<UInt8>) -> InventoryValue {
        if let (value, end) = parse(text) {
            if case .string = value { return value }
            return .string(String(decoding: text.prefix(end), as: UTF8.self))
        }
        var cut = text.endIndex
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == UInt8(ascii: "#"), index > text.startIndex,
                text[index - 1] == 0x20 || text[index - 1] == 0x09
            {
                cut = index
                break
            }
            index += 1
        }
        var kept = text[..<cut]
        while let last = kept.last, last == 0x20 || last == 0x09 { kept = kept.dropLast() }
        return .string(String(decoding: kept, as: UTF8.self))
    }

    // MARK: - Grammar

    private mutating func parseTop() -> (value: InventoryValue, end: Int)? {
        skipSpace()
        guard let first = parseValue(depth: 0) else { return nil }
        var end = index
        skipSpace()
        var result = first
        if peek == UInt8(ascii: ",") {
            // A bare tuple: `1, 2` (and `1,`).
            var elements = [first]
            while peek == UInt8(ascii: ",") {
                index += 1
                end = index
                skipSpace()
                if atEnd { break }
                guard let element = parseValue(depth: 1) else { return nil }
                elements.append(element)
                end = index
                skipSpace()
            }
            result = .list(elements)
        }
        guard atEnd else { return nil }
        return (result, end)
    }

    private mutating func parseValue(depth: Int) -> InventoryValue? {
        guard depth < Self.maximumDepth, let byte = peek else { return nil }
        switch byte {
        case UInt8(ascii: "["):
            index += 1
            guard let elements = parseSequence(closing: UInt8(ascii: "]"), depth: depth) else { return nil }
            return .list(elements.values)
        case UInt8(ascii: "("):
            index += 1
            guard let elements = parseSequence(closing: UInt8(ascii: ")"), depth: depth) else { return nil }
            // `(x)` is x; `()` and `(x,)` are tuples.
            if elements.values.count == 1 && !elements.trailingComma { return elements.values[0] }
            return .list(elements.values)
        case UInt8(ascii: "{"):
            index += 1
            return parseBraces(depth: depth)
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            index += 1
            skipSpace()
            return parseNumber(negative: byte == UInt8(ascii: "-"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
            if byte == UInt8(ascii: "."), matches("...") {
                index += 3
                return .string("...")
            }
            return parseNumber(negative: false)
        default:
            if let strings = parseStrings() { return strings }
            return parseName()
        }
    }

    /// Elements up to `closing`, commas between, an optional trailing comma.
    private mutating func parseSequence(
        closing: UInt8, depth: Int
    ) -> (values: [InventoryValue], trailingComma: Bool)? {
        var values: [InventoryValue] = []
        var trailingComma = false
        skipSpace()
        while true {
            if peek == closing {
                index += 1
                return (values, trailingComma)
            }
            guard let value = parseValue(depth: depth + 1) else { return nil }
            values.append(value)
            trailingComma = false
            skipSpace()
            if peek == UInt8(ascii: ",") {
                index += 1
                trailingComma = true
                skipSpace()
            } else if peek != closing {
                return nil
            }
        }
    }

    /// `{}` (a dict), `{k: v, …}` or `{a, b}` (a set, as a list without repeats).
    private mutating func parseBraces(depth: Int) -> InventoryValue? {
        skipSpace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return .map([:])
        }
        guard let first = parseValue(depth: depth + 1) else { return nil }
        skipSpace()
        if peek == UInt8(ascii: ":") {
            var entries: [String: InventoryValue] = [:]
            var key = first
            while true {
                guard peek == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                guard let value = parseValue(depth: depth + 1), let name = Self.keyText(key) else { return nil }
                entries[name] = value
                skipSpace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    skipSpace()
                } else if peek != UInt8(ascii: "}") {
                    return nil
                }
                if peek == UInt8(ascii: "}") {
                    index += 1
                    return .map(entries)
                }
                guard let next = parseValue(depth: depth + 1) else { return nil }
                key = next
                skipSpace()
            }
        }
        var elements = [first]
        while peek == UInt8(ascii: ",") {
            index += 1
            skipSpace()
            if peek == UInt8(ascii: "}") { break }
            guard let element = parseValue(depth: depth + 1) else { return nil }
            elements.append(element)
            skipSpace()
        }
        guard peek == UInt8(ascii: "}") else { return nil }
        index += 1
        // Sets hold hashable values only; a list or dict inside one is a TypeError in Python.
        guard elements.allSatisfy({ $0.listValue == nil && $0.mapValue == nil }) else { return nil }
        var unique: [InventoryValue] = []
        for element in elements where !unique.contains(element) { unique.append(element) }
        return .list(unique)
    }

    private static func keyText(_ key: InventoryValue) -> String? {
        switch key {
        case .string(let text): return text
        case .int(let number): return String(number)
        default: return nil
        }
    }

    /// `True`, `False`, `None`, `set()`; any other name is not a literal.
    private mutating func parseName() -> InventoryValue? {
        let start = index
        while let byte = peek, Self.isIdentifier(byte) { index += 1 }
        switch String(decoding: bytes[start..<index], as: UTF8.self) {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .null
        case "set":
            skipSpace()
            guard peek == UInt8(ascii: "(") else { return nil }
            index += 1
            skipSpace()
            guard peek == UInt8(ascii: ")") else { return nil }
            index += 1
            return .list([])
        default: return nil
        }
    }

    // MARK: - Numbers

    private mutating func parseNumber(negative: Bool) -> InventoryValue? {
        let start = index
        guard let byte = peek else { return nil }
        if byte == UInt8(ascii: "0"), index + 1 < bytes.count {
            let radix: Int?
            switch bytes[index + 1] | 0x20 {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: radix = nil
            }
            if let radix {
                index += 2
                guard let digits = scanDigits(radix: radix, allowLeadingUnderscore: true), endsToken,
                    let magnitude = Int(digits, radix: radix)
                else { return nil }
                return .int(negative ? -magnitude : magnitude)
            }
        }
        var text = ""
        var isFloat = false
        if peek != UInt8(ascii: ".") {
            guard let integer = scanDigits(radix: 10, allowLeadingUnderscore: false) else { return nil }
            text += integer
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            isFloat = true
            if let byte = peek, Self.isDigit(byte) {
                guard let fraction = scanDigits(radix: 10, allowLeadingUnderscore: false) else { return nil }
                text += "." + fraction
            } else if text.isEmpty {
                return nil
            }
        }
        if let byte = peek, byte | 0x20 == UInt8(ascii: "e") {
            index += 1
            isFloat = true
            text += "e"
            if let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                text.append(Character(Unicode.Scalar(sign)))
                index += 1
            }
            guard let exponent = scanDigits(radix: 10, allowLeadingUnderscore: false) else { return nil }
            text += exponent
        }
        if let byte = peek, byte | 0x20 == UInt8(ascii: "j") {
            // An imaginary number: Ansible turns complex values back into text.
            index += 1
            guard endsToken else { return nil }
            let source = String(decoding: bytes[start..<index], as: UTF8.self).filter { $0 != "_" }
            return .string(negative ? "-" + source : source)
        }
        guard endsToken else { return nil }
        if isFloat {
            if text.first == "e" || text.isEmpty { return nil }
            guard let value = Double(text.first == "." ? "0" + text : text), value.isFinite else { return nil }
            return .double(negative ? -value : value)
        }
        // Python 3 forbids leading zeros in non-zero decimal integers (`0755`, `01`).
        if text.count > 1, text.first == "0", text.contains(where: { $0 != "0" }) { return nil }
        guard let magnitude = Int(text) else { return nil }
        return .int(negative ? -magnitude : magnitude)
    }

    /// Digits with single underscores between them; nil when there are none or an underscore is misplaced.
    private mutating func scanDigits(radix: Int, allowLeadingUnderscore: Bool) -> String? {
        var digits = ""
        var lastWasUnderscore = false
        while let byte = peek {
            if byte == UInt8(ascii: "_") {
                guard !lastWasUnderscore, !digits.isEmpty || allowLeadingUnderscore else { return nil }
                lastWasUnderscore = true
                index += 1
                continue
            }
            guard let value = Self.digitValue(byte), value < radix else { break }
            digits.append(Character(Unicode.Scalar(byte)))
            lastWasUnderscore = false
            index += 1
        }
        guard !digits.isEmpty, !lastWasUnderscore else { return nil }
        return digits
    }

    /// True when the next byte cannot continue a number (`56L`, `1x` and `10.0.0.1` are not literals).
    private var endsToken: Bool {
        guard let byte = peek else { return true }
        return !(Self.isIdentifier(byte) || byte == UInt8(ascii: "."))
    }

    // MARK: - Strings

    /// One or more adjacent string literals, concatenated; nil when the text here is not a string.
    private mutating func parseStrings() -> InventoryValue? {
        guard var result = parseString() else { return nil }
        while true {
            let save = index
            skipSpace()
            guard let next = parseString() else {
                index = save
                return .string(result.text)
            }
            guard next.isBytes == result.isBytes else { return nil }
            result.text += next.text
        }
    }

    private mutating func parseString() -> (text: String, isBytes: Bool)? {
        let start = index
        var raw = false
        var isBytes = false
        // Prefixes: r, b, u, rb, br (any case); f-strings are not literals.
        prefix: while let byte = peek, index - start < 2 {
            switch byte | 0x20 {
            case UInt8(ascii: "r") where !raw: raw = true
            case UInt8(ascii: "b") where !isBytes: isBytes = true
            case UInt8(ascii: "u") where index == start:
                index += 1
                break prefix
            default: break prefix
            }
            index += 1
        }
        guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            index = start
            return nil
        }
        let triple = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
        index += triple ? 3 : 1
        var content: [UInt8] = []
        while true {
            guard let byte = peek else { return nil }
            if byte == quote {
                if !triple {
                    index += 1
                    break
                }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                    index += 3
                    break
                }
            }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { return nil }
                if raw {
                    content += [byte, bytes[index + 1]]
                    index += 2
                    continue
                }
                index += 1
                guard unescape(into: &content, isBytes: isBytes) else { return nil }
                continue
            }
            if isBytes && byte >= 0x80 { return nil }
            content.append(byte)
            index += 1
        }
        guard let text = String(validating: content, as: UTF8.self) else { return nil }
        return (text, isBytes)
    }

    /// Decodes the escape after a backslash (the index is on the escaped character).
    private mutating func unescape(into content: inout [UInt8], isBytes: Bool) -> Bool {
        guard let byte = peek else { return false }
        index += 1
        func append(_ value: UInt32) -> Bool {
            if isBytes {
                guard value < 0x80 else { return false }
                content.append(UInt8(value))
                return true
            }
            guard let scalar = Unicode.Scalar(value) else { return false }
            content += Array(String(scalar).utf8)
            return true
        }
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): content.append(byte)
        case UInt8(ascii: "a"): content.append(0x07)
        case UInt8(ascii: "b"): content.append(0x08)
        case UInt8(ascii: "f"): content.append(0x0C)
        case UInt8(ascii: "n"): content.append(0x0A)
        case UInt8(ascii: "r"): content.append(0x0D)
        case UInt8(ascii: "t"): content.append(0x09)
        case UInt8(ascii: "v"): content.append(0x0B)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = UInt32(byte - UInt8(ascii: "0"))
            var count = 1
            while count < 3, let next = peek, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(next) {
                value = value * 8 + UInt32(next - UInt8(ascii: "0"))
                index += 1
                count += 1
            }
            return append(value)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            if isBytes && byte != UInt8(ascii: "x") {
                content += [UInt8(ascii: "\\"), byte]
                return true
            }
            let width = byte == UInt8(ascii: "x") ? 2 : byte == UInt8(ascii: "u") ? 4 : 8
            guard index + width <= bytes.count,
                bytes[index..<index + width].allSatisfy({ (Self.digitValue($0) ?? 16) < 16 }),
                let value = UInt32(String(decoding: bytes[index..<index + width], as: UTF8.self), radix: 16)
            else { return false }
            index += width
            return append(value)
        case UInt8(ascii: "N"):
            return false
        default:
            // Python keeps unknown escapes as written.
            content += [UInt8(ascii: "\\"), byte]
        }
        return true
    }

    // MARK: - Scanning

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// True when only spaces and a comment remain.
    private var atEnd: Bool {
        var probe = index
        while probe < bytes.count, Self.isSpace(bytes[probe]) { probe += 1 }
        return probe == bytes.count || bytes[probe] == UInt8(ascii: "#")
    }

    private func matches(_ text: String) -> Bool {
        let expected = Array(text.utf8)
        return index + expected.count <= bytes.count && bytes[index..<index + expected.count].elementsEqual(expected)
    }

    /// Spaces, tabs and form feeds between tokens; a `#` comment runs to the end.
    private mutating func skipSpace() {
        while let byte = peek, Self.isSpace(byte) { index += 1 }
        if peek == UInt8(ascii: "#") { index = bytes.count }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0C
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isIdentifier(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}
