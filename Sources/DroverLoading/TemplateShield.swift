/// Lets `{{ name }}` templates stand unquoted where YAML's flow syntax would read their braces as mappings.
///
/// The SPEC's own example writes `{ src: artifacts/app-{{ release }}.tar.gz, dest: … }`; a YAML 1.1 parser
/// (libyaml, PyYAML) ends a plain scalar at `{` inside a flow collection and rejects the line. Before parsing, each
/// well-formed lookup on one line (`{{`, spaces, a dotted name, spaces, `}}`) has its braces replaced by two-byte
/// stand-ins that YAML treats as ordinary text; after parsing, every scalar gets its braces back. Byte lengths are
/// kept, so every `file:line:col` is unchanged. Malformed templates are left alone and reported where they are.
///
/// When the text already holds a stand-in character, nothing is replaced (the document parses exactly as written).
enum TemplateShield {
    /// `ǂ` (U+01C2), two UTF-8 bytes standing for `{{`.
    static let open: [UInt8] = [0xC7, 0x82]
    /// `ǃ` (U+01C3), two UTF-8 bytes standing for `}}`.
    static let close: [UInt8] = [0xC7, 0x83]

    /// The bytes with every well-formed single-line lookup's braces replaced; `shielded` is false when the input
    /// was returned unchanged.
    static func shield(_ bytes: [UInt8]) -> (bytes: [UInt8], shielded: Bool) {
        guard bytes.count >= 4, !contains(bytes, open), !contains(bytes, close) else { return (bytes, false) }
        var output = bytes
        var changed = false
        var index = 0
        let brace = UInt8(ascii: "{")
        let closing = UInt8(ascii: "}")
        while index + 1 < bytes.count {
            guard bytes[index] == brace, bytes[index + 1] == brace else {
                index += 1
                continue
            }
            // Scan a lookup: spaces, name characters, spaces, `}}`, all on this line.
            var cursor = index + 2
            while cursor < bytes.count, isNameByte(bytes[cursor]) || bytes[cursor] == 0x20 { cursor += 1 }
            let inner = bytes[(index + 2)..<cursor]
            if cursor + 1 < bytes.count, bytes[cursor] == closing, bytes[cursor + 1] == closing,
                inner.contains(where: { $0 != 0x20 })
            {
                output.replaceSubrange(index..<(index + 2), with: open)
                output.replaceSubrange(cursor..<(cursor + 2), with: close)
                changed = true
                index = cursor + 2
            } else {
                index += 1
            }
        }
        return (output, changed)
    }

    /// Puts the braces back into every scalar of the tree (keys included).
    static func restore(_ node: inout YAMLNode) {
        switch node.content {
        case .scalar(var scalar):
            guard scalar.text.contains("ǂ") || scalar.text.contains("ǃ") else { return }
            scalar.text = scalar.text.replacingOccurrences(of: "ǂ", with: "{{").replacingOccurrences(of: "ǃ", with: "}}")
            node.content = .scalar(scalar)
        case .sequence(var nodes):
            for index in nodes.indices { restore(&nodes[index]) }
            node.content = .sequence(nodes)
        case .mapping(var pairs):
            for index in pairs.indices {
                restore(&pairs[index].key)
                restore(&pairs[index].value)
            }
            node.content = .mapping(pairs)
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }

    private static func contains(_ bytes: [UInt8], _ pair: [UInt8]) -> Bool {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == pair[0], bytes[index + 1] == pair[1] { return true }
            index += 1
        }
        return false
    }
}
