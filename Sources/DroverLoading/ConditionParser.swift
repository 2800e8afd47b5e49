import DroverModel

/// Reads a step's `when:` text into a `Condition`.
///
/// The grammar (see `Condition`): `NAME`, `not NAME`, `NAME == VALUE`, `NAME != VALUE`, `NAME is defined`,
/// `NAME is not defined`. NAME is a dotted identifier (`release`, `host.name`); VALUE is a quoted string (`'x'` or
/// `"x"`), a whole or decimal number, `true` or `false`. Spaces around words and operators are free.
enum ConditionParser {
    /// Why a `when:` text is not a condition, as a sentence for the user.
    struct Problem: Error, Equatable {
        var message: String
    }

    static let grammar =
        "NAME, not NAME, NAME == VALUE, NAME != VALUE, NAME is defined or NAME is not defined"

    /// The condition `text` states.
    /// - Throws: `Problem` naming what is wrong.
    static func parse(_ text: String) throws(Problem) -> Condition {
        let trimmed = trim(Substring(text))
        if trimmed.contains("{{") {
            throw Problem(message: "when takes a bare condition without {{ }}, found \(MessageText.quoted(text))")
        }
        for (symbol, isEqual) in [("==", true), ("!=", false)] {
            guard let range = trimmed.firstRange(of: symbol) else { continue }
            let name = try variable(trim(trimmed[..<range.lowerBound]), in: text)
            let value = try literal(trim(trimmed[range.upperBound...]), in: text)
            return isEqual ? .equals(name, value) : .notEquals(name, value)
        }
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
        switch words.count {
        case 1:
            return .truthy(try variable(words[0], in: text))
        case 2 where words[0] == "not":
            return .falsy(try variable(words[1], in: text))
        case 3 where words[1] == "is" && words[2] == "defined":
            return .defined(try variable(words[0], in: text))
        case 4 where words[1] == "is" && words[2] == "not" && words[3] == "defined":
            return .undefined(try variable(words[0], in: text))
        default:
            throw Problem(message: "when must be one of \(grammar), found \(MessageText.quoted(text))")
        }
    }

    private static func variable(_ name: Substring, in text: String) throws(Problem) -> String {
        guard Template.isName(name), !["true", "false", "not", "is", "defined"].contains(name) else {
            throw Problem(
                message: "when must test a variable name (\(grammar)), found \(MessageText.quoted(text))")
        }
        return String(name)
    }

    private static func literal(_ text: Substring, in whole: String) throws(Problem) -> InventoryValue {
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            let body = text.dropFirst().dropLast()
            if !body.contains(first) { return .string(String(body)) }
        }
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        if let number = Int(text) { return .int(number) }
        if text.contains("."), let number = Double(text), number.isFinite { return .double(number) }
        throw Problem(
            message: "the value in when must be a quoted string, a number, true or false, found "
                + "\(MessageText.quoted(text.isEmpty ? Substring(whole) : text))")
    }

    private static func trim(_ text: Substring) -> Substring {
        var text = text
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
