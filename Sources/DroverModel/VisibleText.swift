/// Text that came from a host, made safe to print for people: control characters become visible escapes, as OpenSSH
/// does for the remote text it prints itself (vis(3)).
///
/// A compromised or broken host can write escape sequences into its output (an OSC title, a clear-screen, colours, a
/// cursor move that overwrites an earlier line). Printed raw they would change the operator's terminal, or a CI log
/// viewer that interprets them, and could hide or forge lines. Every human output path that prints host text goes
/// through `escape`; JSON output goes through `json`; the journal keeps the bytes as received.
///
/// - Printable UTF-8 passes unchanged, and so does `\t`; `\n` passes in `.multiline` layout.
/// - An ASCII control character (C0, including `\r` and ESC) or DEL becomes `\xHH` (ESC is `\x1b`); so does each
///   byte that is not part of valid UTF-8.
/// - A Unicode control (C1, U+0080–U+009F), a bidirectional formatting character (U+061C, U+200E, U+200F,
///   U+202A–U+202E, U+2066–U+2069: they reorder what is shown) and the line and paragraph separators U+2028 and
///   U+2029 become `\u{HHHH}`.
/// - A backslash is not escaped, so text stays readable; `\x1b` in the output may therefore also be those four
///   characters as the host sent them. JSON output is the exact form.
public enum VisibleText {
    /// Whether line breaks are part of the layout where the text is printed.
    public enum Layout: Sendable {
        /// Output shown as lines (a step's stdout, the maintenance log): `\n` is kept.
        case multiline
        /// One line (a reason in a table row, the live status line): `\n` becomes `\x0a`.
        case singleLine
    }

    /// The bytes as text safe to print, with every control character visible.
    public static func escape(_ bytes: some Collection<UInt8>, layout: Layout = .multiline) -> String {
        if bytes.allSatisfy({ isPlain($0, layout) }) { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var pending = Array(bytes)[...]
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                let count = encoded.count
                if scalar.value < 0x80 {
                    let byte = UInt8(scalar.value)
                    if isPlain(byte, layout) { out.append(byte) } else { appendByteEscape(byte, to: &out) }
                } else if isHidden(scalar) {
                    out += Array("\\u{\(hex(scalar.value, width: 4))}".utf8)
                } else {
                    out += pending.prefix(count)
                }
                pending = pending.dropFirst(count)
            case .error(let length):
                for byte in pending.prefix(length) { appendByteEscape(byte, to: &out) }
                pending = pending.dropFirst(length)
            case .emptyInput:
                return String(decoding: out, as: UTF8.self)
            }
        }
    }

    /// The text safe to print, with every control character visible.
    public static func escape(_ text: String, layout: Layout = .multiline) -> String {
        escape(text.utf8, layout: layout)
    }

    /// A line of JSON (as `JSONSerialization` writes it, which escapes only U+0000–U+001F) with DEL, C1 controls,
    /// bidirectional formatting characters and U+2028/U+2029 written as `\uHHHH` escapes too. Outside strings JSON
    /// is ASCII, so such characters can only stand inside strings, where the escape means the same character.
    public static func json(_ line: String) -> String {
        guard line.unicodeScalars.contains(where: { $0.value == 0x7F || isHidden($0) }) else { return line }
        var out = ""
        out.unicodeScalars.reserveCapacity(line.unicodeScalars.count + 16)
        for scalar in line.unicodeScalars {
            if scalar.value == 0x7F || isHidden(scalar) {
                out += "\\u" + hex(scalar.value, width: 4)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A byte that prints as itself: printable ASCII, tab, and newline in multiline layout. Bytes of multi-byte
    /// UTF-8 sequences are not plain (they need decoding first).
    private static func isPlain(_ byte: UInt8, _ layout: Layout) -> Bool {
        (0x20..<0x7F).contains(byte) || byte == 0x09 || (byte == 0x0A && layout == .multiline)
    }

    /// A valid non-ASCII scalar that terminals act on or that changes how other text is shown.
    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        default: return false
        }
    }

    private static func appendByteEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out += Array("\\x\(hex(UInt32(byte), width: 2))".utf8)
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
