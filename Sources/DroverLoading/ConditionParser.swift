import DroverModel

/// Reads a step's `when:` text into a `Condition`.
///
/// The grammar (see `Condition`), with Jinja's precedence (`not` binds tighter than `and`, `and` than `or`):
///
///     condition := conjunct ("or" conjunct)*
///     conjunct  := negation ("and" negation)*
///     negation  := "not" negation | "(" condition ")" | test
///     test      := NAME | NAME "==" VALUE | NAME "!=" VALUE | NAME "is" ["not"] "defined"
///
/// NAME is a dotted identifier (`release`, `host.name`); VALUE is a quoted string (`'x'` or `"x"`), a whole or
/// decimal number, `true` or `false`. Spaces around words and operators are free.
enum ConditionParser {
    /// Why a `when:` text is not a condition, as a sentence for the user.
    struct Problem: Error, Equatable {
        var message: String
    }

    static let grammar =
        "NAME, NAME == VALUE, NAME != VALUE, NAME is defined or NAME is not defined, combined with not, and, or "
        + "and parentheses"

    /// The condition `text` states.
    /// - Throws: `Problem` naming what is wrong.
    static func parse(_ text: String) throws(Problem) -> Condition {
        if text.contains("{{") {
            throw Problem(message: "when takes a bare condition without {{ }}, found \(MessageText.quoted(text))")
        }
        var parser = Parser(text: text, tokens: try tokenize(text))
        let condition = try parser.condition()
        if let extra = parser.peek {
            throw parser.problem("expected and, or or the end after \(parser.previous), found \(extra)")
        }
        return condition
    }

    private enum Token: Equatable, CustomStringConvertible {
        case word(Substring)
        case quoted(String)
        case equals, notEquals, open, close

        var description: String {
            switch self {
            case .word(let word): return "'\(word)'"
            case .quoted(let text): return "the string '\(text)'"
            case .equals: return "'=='"
            case .notEquals: return "'!='"
            case .open: return "'('"
            case .close: return "')'"
            }
        }
    }

    private static func tokenize(_ text: String) throws(Problem) -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(text)
        while let first = rest.first {
            if first == " " || first == "\t" {
                rest = rest.dropFirst()
            } else if first == "(" || first == ")" {
                tokens.append(first == "(" ? .open : .close)
                rest = rest.dropFirst()
            } else if rest.hasPrefix("==") || rest.hasPrefix("!=") {
                tokens.append(rest.hasPrefix("==") ? .equals : .notEquals)
                rest = rest.dropFirst(2)
            } else if first == "'" || first == "\"" {
                guard let end = rest.dropFirst().firstIndex(of: first) else {
                    throw Problem(message: "when has a string that is never closed: \(MessageText.quoted(text))")
                }
                tokens.append(.quoted(String(rest[rest.index(after: rest.startIndex)..<end])))
                rest = rest[rest.index(after: end)...]
            } else {
                var end = rest.startIndex
                while end < rest.endIndex, !" \t()'\"".contains(rest[end]),
                    !rest[end...].hasPrefix("=="), !rest[end...].hasPrefix("!=")
                {
                    end = rest.index(after: end)
                }
                tokens.append(.word(rest[..<end]))
                rest = rest[end...]
            }
        }
        return tokens
    }

    private struct Parser {
        let text: String
        let tokens: [Token]
        var index = 0

        var peek: Token? { index < tokens.count ? tokens[index] : nil }
        /// The last token read, for "after X" in messages.
        var previous: String { index > 0 ? tokens[index - 1].description : "the start" }

        func problem(_ detail: String) -> Problem {
            Problem(message: "when: \(detail) in \(MessageText.quoted(text))")
        }

        mutating func next() -> Token? {
            defer { index += 1 }
            return peek
        }

        mutating func condition() throws(Problem) -> Condition {
            var parts = [try conjunct()]
            while peek == .word("or") {
                index += 1
                parts.append(try conjunct())
            }
            return parts.count == 1 ? parts[0] : .any(parts)
        }

        mutating func conjunct() throws(Problem) -> Condition {
            var parts = [try negation()]
            while peek == .word("and") {
                index += 1
                parts.append(try negation())
            }
            return parts.count == 1 ? parts[0] : .all(parts)
        }

        mutating func negation() throws(Problem) -> Condition {
            switch peek {
            case .word("not"):
                index += 1
                return try negation().negated
            case .open:
                index += 1
                let inner = try condition()
                guard next() == .close else { throw problem("'(' is never closed") }
                return inner
            case nil:
                throw problem("expected a test after \(previous), found the end")
            default:
                return try test()
            }
        }

        mutating func test() throws(Problem) -> Condition {
            let name = try variable()
            switch peek {
            case .equals, .notEquals:
                let isEqual = next() == .equals
                let value = try literal()
                return isEqual ? .equals(name, value) : .notEquals(name, value)
            case .word("is"):
                index += 1
                let negated = peek == .word("not")
                if negated { index += 1 }
                guard next() == .word("defined") else {
                    throw problem("expected 'defined' after \(negated ? "'is not'" : "'is'")")
                }
                return negated ? .undefined(name) : .defined(name)
            case .word(let word)? where word.first.map("<>=!".contains) == true:
                throw problem("'\(word)' is not an operator here (only == and !=)")
            default:
                return .truthy(name)
            }
        }

        mutating func variable() throws(Problem) -> String {
            guard case .word(let name)? = peek, Template.isName(name),
                !["true", "false", "not", "is", "defined", "and", "or"].contains(name)
            else {
                throw problem(
                    "expected a variable name after \(previous), found \(peek.map(\.description) ?? "the end") "
                        + "(a condition is \(ConditionParser.grammar))")
            }
            index += 1
            return String(name)
        }

        mutating func literal() throws(Problem) -> InventoryValue {
            switch next() {
            case .quoted(let text): return .string(text)
            case .word("true"): return .bool(true)
            case .word("false"): return .bool(false)
            case .word(let word):
                if let number = Int(word) { return .int(number) }
                if word.contains("."), let number = Double(word), number.isFinite { return .double(number) }
                throw Problem(
                    message: "the value in when must be a quoted string, a number, true or false, found "
                        + MessageText.quoted(word))
            case let token:
                throw Problem(
                    message: "the value in when must be a quoted string, a number, true or false, found "
                        + (token.map(\.description) ?? "the end"))
            }
        }
    }
}
