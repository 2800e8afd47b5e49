import DroverModel
import Testing

@Suite struct VisibleTextTests {
    /// (bytes as the host sent them, multiline output, single-line output)
    static let cases: [([UInt8], String, String)] = [
        (Array("plain text".utf8), "plain text", "plain text"),
        (Array("two\nlines\n".utf8), "two\nlines\n", "two\\x0alines\\x0a"),
        (Array("a\tb".utf8), "a\tb", "a\tb"),
        (Array("héllo wörld ✓ 日本".utf8), "héllo wörld ✓ 日本", "héllo wörld ✓ 日本"),
        // An OSC window title, a clear-screen and colours, as a hostile host prints them.
        (Array("\u{1B}]0;pwned\u{07}".utf8), "\\x1b]0;pwned\\x07", "\\x1b]0;pwned\\x07"),
        (Array("\u{1B}[2J\u{1B}[H".utf8), "\\x1b[2J\\x1b[H", "\\x1b[2J\\x1b[H"),
        (Array("\u{1B}[31mred\u{1B}[0m".utf8), "\\x1b[31mred\\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        // A carriage return would let a line overwrite itself; a backspace erase what came before.
        (Array("ok\rFAILED".utf8), "ok\\x0dFAILED", "ok\\x0dFAILED"),
        (Array("abc\u{08}\u{08}".utf8), "abc\\x08\\x08", "abc\\x08\\x08"),
        ([0x00, 0x7F], "\\x00\\x7f", "\\x00\\x7f"),
        // C1 controls encoded as UTF-8 (CSI is U+009B), bidi overrides, the line separator.
        (Array("\u{9B}2J".utf8), "\\u{009b}2J", "\\u{009b}2J"),
        (Array("user\u{202E}gnp.exe".utf8), "user\\u{202e}gnp.exe", "user\\u{202e}gnp.exe"),
        (Array("a\u{2028}b".utf8), "a\\u{2028}b", "a\\u{2028}b"),
        // Invalid UTF-8: a lone continuation byte, a raw 8-bit CSI, a truncated sequence, an overlong slash.
        ([0x61, 0x80, 0x62], "a\\x80b", "a\\x80b"),
        ([0x9B, 0x32, 0x4A], "\\x9b2J", "\\x9b2J"),
        ([0x61, 0xE2, 0x82], "a\\xe2\\x82", "a\\xe2\\x82"),
        ([0xC0, 0xAF], "\\xc0\\xaf", "\\xc0\\xaf"),
        ([0xFF, 0x0A, 0xC3, 0xA9], "\\xff\né", "\\xff\\x0aé"),
        ([], "", ""),
    ]

    @Test(arguments: cases)
    func makesControlCharactersVisible(bytes: [UInt8], multiline: String, singleLine: String) {
        #expect(VisibleText.escape(bytes, layout: .multiline) == multiline)
        #expect(VisibleText.escape(bytes, layout: .singleLine) == singleLine)
    }

    @Test(arguments: cases)
    func escapedTextHoldsNoControlCharacters(bytes: [UInt8], multiline: String, singleLine: String) {
        for text in [VisibleText.escape(bytes), VisibleText.escape(bytes, layout: .singleLine)] {
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
            #expect(!text.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) })
        }
        // Escaping is idempotent: text already made visible is left alone.
        #expect(VisibleText.escape(multiline) == multiline)
        #expect(VisibleText.escape(singleLine, layout: .singleLine) == singleLine)
    }

    @Test func stringsGoThroughTheSameRules() {
        #expect(VisibleText.escape("exited 1: \u{1B}[2Jdisk full", layout: .singleLine) == "exited 1: \\x1b[2Jdisk full")
    }

    @Test(arguments: [
        (#"{"stdout":"\u001b]0;t\u0007"}"#, #"{"stdout":"\u001b]0;t\u0007"}"#),
        ("{\"stdout\":\"a\u{7F}b\u{9B}c\u{202E}d\u{2029}\"}", #"{"stdout":"a\u007fb\u009bc\u202ed\u2029"}"#),
        (#"{"host":"app1","text":"héllo"}"#, #"{"host":"app1","text":"héllo"}"#),
    ])
    func jsonKeepsEveryControlCharacterEscaped(line: String, expected: String) {
        #expect(VisibleText.json(line) == expected)
    }
}
