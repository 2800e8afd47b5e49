/// Which parser reads an inventory file, decided as Ansible's plugin order decides it.
///
/// `.yml` and `.yaml` are YAML and `.json` is JSON (read by the YAML parser). Ansible tries its YAML plugin on
/// those and on files with no extension, and INI on everything; so a file with no extension is YAML when its first
/// line (not blank, not a comment) starts like YAML (`---`, `all:`, `{`), else INI. Any other extension is INI,
/// and INI that starts like YAML gets an error asking for a rename.
enum InventoryFormat: Equatable {
    case ini
    case yaml
    case json

    init(path: String, contents: [UInt8]) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let stem = name.drop { $0 == "." }
        guard let dot = stem.lastIndex(of: ".") else {
            self = Self.sniff(contents)
            return
        }
        switch stem[dot...].lowercased() {
        case ".yml", ".yaml": self = .yaml
        case ".json": self = .json
        default: self = .ini
        }
    }

    /// YAML when the first line with content starts like YAML or JSON, else INI.
    private static func sniff(_ contents: [UInt8]) -> InventoryFormat {
        var body = contents[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        for line in body.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
            let text = line.drop { $0 == 0x20 || $0 == 0x09 }
            guard let first = text.first, first != UInt8(ascii: "#"), first != UInt8(ascii: ";") else { continue }
            var end = text.endIndex
            while end > text.startIndex, text[end - 1] == 0x20 || text[end - 1] == 0x09 { end -= 1 }
            return INIInventoryParser.looksLikeYAML(text[..<end]) ? .yaml : .ini
        }
        return .ini
    }
}
