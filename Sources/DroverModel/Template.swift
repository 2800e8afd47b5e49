/// Text with `{{ name }}` lookups (`/opt/app/bin/switch {{ release }}`), parsed once.
///
/// Names are dotted identifiers (`release`, `run.id`, `batch.hosts`). Rendering substitutes values through a
/// caller-given function, so commands can shell-quote inventory values while plain text does not.
public struct Template: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Part: Sendable, Hashable, Codable {
        case text(String)
        case lookup(String)
    }

    /// The text as written.
    public var source: String
    public var parts: [Part]

    /// A template of literal text only.
    public init(literal text: String) {
        self.source = text
        self.parts = text.isEmpty ? [] : [.text(text)]
    }

    /// Parses `source`; nil when a `{{` is never closed or holds something other than a dotted name.
    public init?(_ source: String) {
        self.source = source
        var parts: [Part] = []
        var rest = Substring(source)
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { return nil }
            let name = rest[open.upperBound..<close.lowerBound].trimmingSpaces
            guard Self.isName(name) else { return nil }
            parts.append(.lookup(String(name)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// The names looked up, in order of first use.
    public var lookups: [String] {
        var seen: Set<String> = []
        return parts.compactMap { part in
            guard case .lookup(let name) = part, seen.insert(name).inserted else { return nil }
            return name
        }
    }

    /// The text with every lookup replaced by `value(name)`; nil if any name has no value.
    public func render(_ value: (String) -> String?) -> String? {
        var output = ""
        for part in parts {
            switch part {
            case .text(let text): output += text
            case .lookup(let name):
                guard let text = value(name) else { return nil }
                output += text
            }
        }
        return output
    }

    public var description: String { source }

    /// A dotted identifier: `release`, `run.id`, `app_port`.
    public static func isName<S: StringProtocol>(_ text: S) -> Bool {
        guard !text.isEmpty else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { segment in
            guard let first = segment.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
            return segment.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
