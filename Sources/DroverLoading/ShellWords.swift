/// Splits text into words with POSIX shell quoting rules, as Python's `shlex.split` does (which Ansible uses for
/// INI host lines and for `ansible_ssh_common_args`).
///
/// Whitespace separates words; `'…'` keeps everything literally; `"…"` keeps everything but lets `\` escape `"`
/// and `\`; outside quotes `\` escapes any character. With `comments`, an unquoted `#` ends the line, even in the
/// middle of a word, as shlex does. Works on UTF-8 bytes (every special character is ASCII), in linear time.
struct ShellWords {
    /// One word and where it came from.
    struct Word: Equatable {
        /// The word with quotes and escapes removed.
        var bytes: [UInt8]
        /// Offset in the input of the word's first character.
        var start: Int
        /// Offset in the input of the first character after the word's first unquoted or quoted `=`, if any.
        var valueStart: Int?

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Why text could not be split.
    enum Failure: Error, Equatable {
        /// The quote character at `offset` is never closed.
        case unterminatedQuote(quote: UInt8, offset: Int)
        /// A backslash at `offset` ends the input.
        case danglingEscape(offset: Int)
    }

    private enum State {
        case whitespace
        case word
        case singleQuoted
        case doubleQuoted
    }

    /// Splits `input` into words.
    /// - Throws: `Failure` for an unterminated quote or a trailing backslash.
    static func split(_ input: ArraySlice<UInt8>, comments: Bool = false) throws(Failure) -> [Word] {
        var words: [Word] = []
        var current = Word(bytes: [], start: 0, valueStart: nil)
        var state = State.whitespace
        var quoteOffset = 0
        var index = input.startIndex

        func append(_ byte: UInt8, from offset: Int, into word: inout Word) {
            word.bytes.append(byte)
            if byte == UInt8(ascii: "="), word.valueStart == nil {
                word.valueStart = offset + 1
            }
        }

        func begin(at offset: Int) {
            if state == .whitespace {
                current = Word(bytes: [], start: offset, valueStart: nil)
            }
        }

        while index < input.endIndex {
            let byte = input[index]
            let offset = index - input.startIndex
            switch state {
            case .whitespace, .word:
                if isWhitespace(byte) {
                    if state == .word { words.append(current) }
                    state = .whitespace
                } else if comments && byte == UInt8(ascii: "#") {
                    if state == .word { words.append(current) }
                    return words
                } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    begin(at: offset)
                    quoteOffset = offset
                    state = byte == UInt8(ascii: "'") ? .singleQuoted : .doubleQuoted
                } else if byte == UInt8(ascii: "\\") {
                    begin(at: offset)
                    index += 1
                    guard index < input.endIndex else { throw .danglingEscape(offset: offset) }
                    append(input[index], from: offset + 1, into: &current)
                    state = .word
                } else {
                    begin(at: offset)
                    append(byte, from: offset, into: &current)
                    state = .word
                }
            case .singleQuoted:
                if byte == UInt8(ascii: "'") {
                    state = .word
                } else {
                    append(byte, from: offset, into: &current)
                }
            case .doubleQuoted:
                if byte == UInt8(ascii: "\"") {
                    state = .word
                } else if byte == UInt8(ascii: "\\"), index + 1 < input.endIndex,
                    input[index + 1] == UInt8(ascii: "\"") || input[index + 1] == UInt8(ascii: "\\")
                {
                    index += 1
                    append(input[index], from: offset + 1, into: &current)
                } else {
                    append(byte, from: offset, into: &current)
                }
            }
            index += 1
        }
        switch state {
        case .singleQuoted:
            throw .unterminatedQuote(quote: UInt8(ascii: "'"), offset: quoteOffset)
        case .doubleQuoted:
            throw .unterminatedQuote(quote: UInt8(ascii: "\""), offset: quoteOffset)
        case .word:
            words.append(current)
        case .whitespace:
            break
        }
        return words
    }

    /// Splits a string; offsets in the result are UTF-8 offsets into it.
    static func split(_ text: String, comments: Bool = false) throws(Failure) -> [Word] {
        try split(ArraySlice(Array(text.utf8)), comments: comments)
    }

    /// shlex's whitespace: space, tab, carriage return, newline.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
