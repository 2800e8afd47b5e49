import DroverModel

/// A YAML document as a tree whose every node knows where it was written, so readers can report `file:line:col`.
///
/// Produced by `YAMLParser` (aliases already expanded, within a budget); read with the checked accessors in
/// `YAMLNode+Reading.swift`. Mapping pairs keep their order; duplicate keys never reach this type.
struct YAMLNode: Sendable {
    struct Scalar: Sendable, Hashable {
        var text: String
        /// Written without quotes or block indicators, so `true`, `12` and `~` mean a bool, an int and null.
        var isPlain: Bool
        /// An explicit tag such as `tag:yaml.org,2002:str` (`!!str`), if one was written.
        var tag: String?
    }

    struct Pair: Sendable {
        var key: YAMLNode
        var value: YAMLNode
    }

    enum Content: Sendable {
        case scalar(Scalar)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    var content: Content
    var location: SourceLocation

    /// The scalar's text, whatever it resolves to (keys and free-form strings); nil for a collection.
    var scalarText: String? {
        if case .scalar(let scalar) = content { return scalar.text }
        return nil
    }

    /// True for an empty plain scalar, `~` or `null`: a key written with no value.
    var isNull: Bool {
        if case .scalar(let scalar) = content { return scalar.isPlain && Self.nullWords.contains(scalar.text) }
        return false
    }

    /// What the node is, for "expected X, found Y" messages: `a list`, `a mapping`, `'text'`, `nothing`.
    var shown: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let scalar):
            if isNull { return "nothing" }
            return scalar.isPlain ? MessageText.quoted(scalar.text) : "the string \(MessageText.quoted(scalar.text))"
        }
    }

    /// The node as an inventory value with YAML 1.1 scalar resolution, as PyYAML (and so Ansible) resolves it:
    /// plain `true`/`yes`/`on` are bools, `12`/`0x1f`/`1_000` ints, `1.5` doubles, `~`/`null`/empty null;
    /// quoted or `!!str`-tagged scalars stay strings.
    var value: InventoryValue {
        switch content {
        case .sequence(let nodes): return .list(nodes.map(\.value))
        case .mapping(let pairs):
            var map: [String: InventoryValue] = [:]
            for pair in pairs { map[pair.key.scalarText ?? pair.key.shown] = pair.value.value }
            return .map(map)
        case .scalar(let scalar): return Self.resolve(scalar)
        }
    }

    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
    private static let trueWords: Set<String> = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"]
    private static let falseWords: Set<String> = [
        "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N",
    ]

    /// YAML 1.1 resolution of one scalar.
    static func resolve(_ scalar: Scalar) -> InventoryValue {
        if let tag = scalar.tag, tag.hasSuffix(":str") { return .string(scalar.text) }
        guard scalar.isPlain else { return .string(scalar.text) }
        let text = scalar.text
        if nullWords.contains(text) { return .null }
        // `y`/`n` are YAML 1.1 bools in the spec but PyYAML's resolver leaves them as strings; so do we.
        if trueWords.contains(text), text != "y", text != "Y" { return .bool(true) }
        if falseWords.contains(text), text != "n", text != "N" { return .bool(false) }
        if let number = integer(text) { return .int(number) }
        if let number = floating(text) { return .double(number) }
        return .string(text)
    }

    private static func integer(_ text: String) -> Int? {
        var body = Substring(text.replacingOccurrences(of: "_", with: ""))
        var sign = 1
        if body.first == "-" || body.first == "+" {
            if body.first == "-" { sign = -1 }
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber else { return nil }
        let magnitude: Int?
        if body.hasPrefix("0x") {
            magnitude = Int(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0o") {
            magnitude = Int(body.dropFirst(2), radix: 8)
        } else if body.hasPrefix("0b") {
            magnitude = Int(body.dropFirst(2), radix: 2)
        } else if body.count > 1, body.hasPrefix("0") {
            magnitude = Int(body.dropFirst(), radix: 8)
        } else {
            magnitude = Int(body, radix: 10)
        }
        return magnitude.map { $0 * sign }
    }

    private static func floating(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let body = text.replacingOccurrences(of: "_", with: "")
        // PyYAML needs a dot (`1e3` is a string there); require one too.
        guard body.contains("."), body.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else {
            return nil
        }
        return Double(body)
    }
}
