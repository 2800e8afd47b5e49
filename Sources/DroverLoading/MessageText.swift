/// Quoting of input text inside error messages: short, single-line, control characters escaped.
enum MessageText {
    /// How many characters of input a message quotes before eliding the rest.
    static let maximumQuoted = 60

    /// `'text'`, shortened with `…` and with control characters shown as `\u{…}` escapes.
    static func quoted<S: StringProtocol>(_ text: S) -> String {
        var output = "'"
        var count = 0
        for scalar in text.unicodeScalars {
            if count == maximumQuoted {
                output += "…"
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                output += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                output.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return output + "'"
    }

    /// Quoted bytes (assumed UTF-8; invalid sequences repaired).
    static func quoted(bytes: ArraySlice<UInt8>) -> String {
        quoted(String(decoding: bytes.prefix(maximumQuoted * 4), as: UTF8.self))
    }
}
