/// A variable's value in an inventory: anything Ansible's INI and YAML inventories can express.
///
/// INI host-line values are Python literals (`ansible_port=2222` is `.int(2222)`, `'x'` is `.string("x")`,
/// `True` is `.bool(true)`, `[1, 2]` is a `.list`); YAML inventories map their scalars, sequences and mappings
/// one to one. Tuples and sets become lists, as Ansible makes them.
public enum InventoryValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case double(Double)
    case list([InventoryValue])
    case map([String: InventoryValue])
    case null
}

extension InventoryValue {
    /// The string, when this is a `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, when this is an `.int`.
    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The boolean, when this is a `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number, when this is a `.double` or an `.int`.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    /// The elements, when this is a `.list`.
    public var listValue: [InventoryValue]? {
        if case .list(let value) = self { return value }
        return nil
    }

    /// The entries, when this is a `.map`.
    public var mapValue: [String: InventoryValue]? {
        if case .map(let value) = self { return value }
        return nil
    }

    /// True for `.null` (Python's `None`, YAML's `null` or `~`).
    public var isNull: Bool { self == .null }

    /// A scalar as plain text (strings unquoted, `true`/`false`, numbers in decimal); nil for lists, maps and null.
    public var scalarText: String? {
        switch self {
        case .string(let value): return value
        case .int(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .double(let value): return String(value)
        case .list, .map, .null: return nil
        }
    }
}

extension InventoryValue: CustomStringConvertible {
    /// The value as JSON text, map keys sorted so the text is stable.
    public var description: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .string(let value): Self.writeJSONString(value, to: &output)
        case .int(let value): output += String(value)
        case .bool(let value): output += value ? "true" : "false"
        case .double(let value): output += value.isFinite ? String(value) : "null"
        case .null: output += "null"
        case .list(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += ", " }
                element.write(to: &output)
            }
            output += "]"
        case .map(let entries):
            output += "{"
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { output += ", " }
                Self.writeJSONString(key, to: &output)
                output += ": "
                entries[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    private static func writeJSONString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension InventoryValue: Codable {
    /// Decodes the natural JSON or property-list shape: a string, number, boolean, array, object or null.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([InventoryValue].self) {
            self = .list(value)
        } else {
            self = .map(try container.decode([String: InventoryValue].self))
        }
    }

    /// Encodes the natural JSON shape: `.int(22)` is `22`, `.string("x")` is `"x"`, `.null` is `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        case .map(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

extension InventoryValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: InventoryValue...) { self = .list(elements) }

    /// A map from literal entries; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, InventoryValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
