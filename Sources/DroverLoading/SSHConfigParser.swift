// Longer than the house's ~400 lines on purpose: it mirrors OpenSSH's readconf.c (tokenising, Include, Match and
// Host blocks) rule for rule, so the two can be read side by side.
import DroverModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads ssh_config text into `SSHConfig` entries, as OpenSSH's `readconf.c` reads it.
///
/// A line is a keyword (case-insensitive) and its arguments, separated by whitespace or by optional whitespace and
/// one `=`. Arguments are split as `argv_split` does: `"…"` and `'…'` quote, a backslash escapes a quote, a backslash
/// or (outside quotes) a space, and an unquoted `#` at the start of an argument ends the line. Blank lines and lines
/// starting with `#` are skipped; trailing whitespace is dropped. Every problem is collected, with its place.
///
/// `Include` paths are globbed (sorted), `~` expanded, relative ones taken from `~/.ssh`; a pattern that matches
/// nothing is skipped, as in ssh. Each file is read once however often it is included; nesting deeper than
/// `SSHConfig.maximumIncludeDepth` is an error.
struct SSHConfigParser {
    /// The `%` tokens allowed in `IdentityFile` and `UserKnownHostsFile`: `%%`, home directory, host name, original
    /// host name, port, remote user and local user.
    static let pathTokens: Set<Character> = ["%", "d", "h", "n", "p", "r", "u"]
    /// The `%` tokens allowed in `HostName`, as in OpenSSH.
    static let hostNameTokens: Set<Character> = ["%", "h"]
    /// `Match` criteria OpenSSH knows and Drover does not evaluate.
    static let unsupportedCriteria: Set<String> = [
        "canonical", "final", "exec", "localnetwork", "user", "localuser", "tagged", "version", "sessiontype",
        "command",
    ]

    /// The keywords read (lowercased); every other keyword is skipped.
    static let keywords: Set<String> = [
        "host", "match", "include", "hostname", "user", "port", "identityfile", "userknownhostsfile",
        "stricthostkeychecking", "proxyjump", "proxycommand",
    ]

    var homeDirectory: String?
    private(set) var errors = ErrorCollector()
    /// Files already parsed, by path as globbed, so a file included many times is read once.
    private var parsed: [String: SSHConfig] = [:]

    init(homeDirectory: String?) {
        self.homeDirectory = homeDirectory
    }

    /// One argument and the index of its first byte in the file.
    private struct Argument {
        var text: String
        var index: Int
    }

    /// A quote that is never closed, at this index.
    private struct UnterminatedQuote: Error {
        var quote: UInt8
        var index: Int
    }

    /// Parses one file's bytes; `depth` is how many `Include`s led here.
    mutating func parse(_ data: [UInt8], path: String, depth: Int) -> SSHConfig {
        var entries: [SSHConfig.Entry] = []
        var entryCount = 0
        var lineNumber = 0
        var lineStart = 0
        var start = 0
        // A UTF-8 byte-order mark is skipped, as elsewhere in Drover.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        lineStart = start
        while lineStart <= data.count, !errors.isFull {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < data.count && data[lineEnd] != 0x0A && data[lineEnd] != 0x0D { lineEnd += 1 }
            let (lineEntries, count) = parseLine(data[lineStart..<lineEnd], file: path, line: lineNumber, depth: depth)
            entries += lineEntries
            entryCount += count
            guard lineEnd < data.count else { break }
            lineStart =
                lineEnd + (data[lineEnd] == 0x0D && lineEnd + 1 < data.count && data[lineEnd + 1] == 0x0A ? 2 : 1)
        }
        return SSHConfig(path: path, entries: entries, entryCount: entryCount)
    }

    // MARK: - Lines

    /// The entries one line adds (none, one, or an include) and how many entries they amount to.
    private mutating func parseLine(
        _ line: ArraySlice<UInt8>, file: String, line number: Int, depth: Int
    ) -> ([SSHConfig.Entry], Int) {
        func location(_ index: Int) -> SourceLocation {
            SourceLocation(file: file, line: number, column: index - line.startIndex + 1)
        }
        func fail(_ code: LoadError.Code, _ message: String, at index: Int) {
            errors.add(code, message, at: location(index))
        }
        var end = line.endIndex
        while end > line.startIndex, line[end - 1] == 0x20 || line[end - 1] == 0x09 || line[end - 1] == 0x0C {
            end -= 1
        }
        var index = line.startIndex
        while index < end, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard index < end, line[index] != UInt8(ascii: "#") else { return ([], 0) }
        let text = line[index..<end]
        if let bad = INIInventoryParser.firstInvalidUTF8(text) {
            fail(.encoding, "invalid UTF-8 (byte 0x\(String(text[bad], radix: 16, uppercase: true)))", at: bad)
            return ([], 0)
        }
        if let nul = text.firstIndex(of: 0) {
            fail(.syntax, "a NUL byte, which an ssh_config line cannot hold", at: nul)
            return ([], 0)
        }

        let keywordStart = index
        while index < end, ![0x20, 0x09, UInt8(ascii: "=")].contains(line[index]) { index += 1 }
        let keywordText = String(decoding: line[keywordStart..<index], as: UTF8.self)
        let keyword = keywordText.lowercased()
        while index < end, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        if index < end, line[index] == UInt8(ascii: "=") {
            index += 1
            while index < end, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        }
        let arguments: [Argument]
        do throws(UnterminatedQuote) {
            arguments = try Self.split(line[index..<end])
        } catch {
            let quote = Character(Unicode.Scalar(error.quote))
            fail(.unterminatedQuote, "unterminated quote: this \(quote) is never closed", at: error.index)
            return ([], 0)
        }
        guard let first = arguments.first else {
            let shown = Self.keywords.contains(keyword) ? keywordText : MessageText.quoted(keywordText)
            fail(.syntax, "\(shown) needs a value", at: keywordStart)
            return ([], 0)
        }
        func single() -> Argument? {
            if arguments.count > 1 {
                fail(
                    .syntax, "\(keywordText) takes one value; \(MessageText.quoted(arguments[1].text)) is extra",
                    at: arguments[1].index)
                return nil
            }
            return first
        }
        func option(_ value: SSHConfig.Value, _ argument: Argument) -> ([SSHConfig.Entry], Int) {
            ([.option(SSHConfig.Option(value: value, location: location(argument.index)))], 1)
        }
        func invalid(_ message: String, _ argument: Argument) -> ([SSHConfig.Entry], Int) {
            fail(.invalidValue, message, at: argument.index)
            return ([], 0)
        }

        switch keyword {
        case "host":
            var patterns: [SSHConfig.Pattern] = []
            for argument in arguments {
                var glob = Substring(argument.text)
                let negated = glob.first == "!"
                if negated { glob = glob.dropFirst() }
                guard !glob.isEmpty else { return invalid("Host has an empty pattern", argument) }
                patterns.append(SSHConfig.Pattern(glob: Array(glob.utf8), negated: negated))
            }
            return ([.host(patterns)], 1)
        case "match":
            guard let criteria = parseMatch(arguments, location: location)
            else { return ([], 0) }
            return ([.match(criteria)], 1)
        case "include":
            return include(arguments, location: location, depth: depth)
        case "hostname":
            guard let argument = single() else { return ([], 0) }
            if let problem = Self.tokenProblem(argument.text, allowed: Self.hostNameTokens, keyword: "HostName") {
                return invalid(problem, argument)
            }
            guard !argument.text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true })
            else { return invalid("HostName \(MessageText.quoted(argument.text)) is not a host name", argument) }
            return option(.hostName(argument.text), argument)
        case "user":
            guard let argument = single() else { return ([], 0) }
            return option(.user(argument.text), argument)
        case "port":
            guard let argument = single() else { return ([], 0) }
            guard argument.text.count <= 5, argument.text.allSatisfy({ $0.isASCII && $0.isNumber }),
                let port = Int(argument.text), (1...65535).contains(port)
            else {
                return invalid("Port \(MessageText.quoted(argument.text)) is not a number from 1 to 65535", argument)
            }
            return option(.port(port), argument)
        case "identityfile":
            guard let argument = single() else { return ([], 0) }
            if let problem = Self.tokenProblem(argument.text, allowed: Self.pathTokens, keyword: "IdentityFile") {
                return invalid(problem, argument)
            }
            return option(.identityFile(argument.text), argument)
        case "userknownhostsfile":
            for argument in arguments {
                if let problem = Self.tokenProblem(
                    argument.text, allowed: Self.pathTokens, keyword: "UserKnownHostsFile")
                {
                    return invalid(problem, argument)
                }
            }
            return option(.knownHostsFiles(arguments.map(\.text)), first)
        case "stricthostkeychecking":
            guard let argument = single() else { return ([], 0) }
            switch argument.text.lowercased() {
            case "yes", "true", "ask": return option(.hostKeyChecking(.policy(.strict)), argument)
            case "accept-new": return option(.hostKeyChecking(.policy(.acceptNew)), argument)
            case "no", "off", "false": return option(.hostKeyChecking(.disabled(argument.text)), argument)
            default: return invalid(SSHArguments.unknownHostKeyChecking(argument.text).message, argument)
            }
        case "proxyjump":
            guard let argument = single() else { return ([], 0) }
            do throws(SSHArguments.Problem) {
                return option(.proxyJump(try SSHArguments.parseProxyJump(argument.text)), argument)
            } catch {
                return invalid(error.message, argument)
            }
        case "proxycommand":
            // ssh takes the rest of the line as the command; only `none` matters here.
            let isNone = arguments.count == 1 && first.text.lowercased() == "none"
            return option(.proxyCommand(isNone: isNone), first)
        default:
            return ([], 0)
        }
    }

    // MARK: - Match

    private mutating func parseMatch(
        _ arguments: [Argument], location: (Int) -> SourceLocation
    ) -> [SSHConfig.MatchCriterion]? {
        var criteria: [SSHConfig.MatchCriterion] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let at = location(argument.index)
            index += 1
            var name = Substring(argument.text.lowercased())
            let negated = name.first == "!"
            if negated { name = name.dropFirst() }
            switch name {
            case "all":
                guard arguments.count == 1, !negated else {
                    errors.add(.syntax, "Match all cannot be combined with other criteria or negated", at: at)
                    return nil
                }
                criteria.append(.all)
            case "host", "originalhost":
                guard index < arguments.count else {
                    errors.add(.syntax, "Match \(name) needs a pattern list", at: at)
                    return nil
                }
                let list = arguments[index].text
                index += 1
                criteria.append(name == "host" ? .host(list, negated: negated) : .originalHost(list, negated: negated))
            case _ where Self.unsupportedCriteria.contains(String(name)):
                errors.add(
                    .unsupportedOption,
                    "Match \(name) is not supported; Drover evaluates only Match all, host and originalhost", at: at)
                return nil
            default:
                errors.add(.syntax, "\(MessageText.quoted(argument.text)) is not a Match criterion", at: at)
                return nil
            }
        }
        return criteria
    }

    // MARK: - Include

    private mutating func include(
        _ arguments: [Argument], location: (Int) -> SourceLocation, depth: Int
    ) -> ([SSHConfig.Entry], Int) {
        var files: [SSHConfig] = []
        var count = 1
        for argument in arguments {
            let at = location(argument.index)
            guard depth < SSHConfig.maximumIncludeDepth else {
                errors.add(
                    .limitExceeded,
                    "Include nests more than \(SSHConfig.maximumIncludeDepth) files deep (does a file include itself?)",
                    at: at)
                return ([], 0)
            }
            var pattern = argument.text
            if pattern == "~" || pattern.hasPrefix("~/") {
                guard let homeDirectory else { continue }
                pattern = homeDirectory + pattern.dropFirst()
            } else if !pattern.hasPrefix("/") {
                guard let homeDirectory else { continue }
                pattern = homeDirectory + "/.ssh/" + pattern
            }
            for path in Self.glob(pattern) {
                let config: SSHConfig
                if let known = parsed[path] {
                    config = known
                } else {
                    let contents: [UInt8]
                    do throws(LoadError) {
                        contents = try InventoryLoader.readFile(
                            path, limit: SSHConfig.maximumFileSize, kind: "an ssh_config file")
                    } catch {
                        errors.add(.unreadable, "Include \(MessageText.quoted(path)): \(error.message)", at: at)
                        continue
                    }
                    config = parse(contents, path: path, depth: depth + 1)
                    parsed[path] = config
                }
                count += config.entryCount
                guard count <= SSHConfig.maximumEntries else {
                    errors.add(
                        .limitExceeded,
                        "the included files amount to more than \(SSHConfig.maximumEntries) lines; stopping here",
                        at: at)
                    return ([], 0)
                }
                files.append(config)
            }
        }
        return ([.include(files)], count)
    }

    /// The paths matching a glob pattern, sorted; none when nothing matches.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }
    }

    // MARK: - Words

    /// Splits arguments as OpenSSH's `argv_split(…, terminate_on_comment = 1)`.
    private static func split(_ bytes: ArraySlice<UInt8>) throws(UnterminatedQuote) -> [Argument] {
        var arguments: [Argument] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "#") { break }
            let start = index
            var word: [UInt8] = []
            var quote: UInt8 = 0
            var quoteStart = index
            while index < bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.endIndex {
                    let next = bytes[index + 1]
                    if next == UInt8(ascii: "'") || next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\")
                        || (quote == 0 && next == 0x20)
                    {
                        word.append(next)
                        index += 2
                        continue
                    }
                    word.append(byte)
                } else if quote == 0 && (byte == 0x20 || byte == 0x09) {
                    break
                } else if quote == 0 && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")) {
                    quote = byte
                    quoteStart = index
                } else if quote != 0 && byte == quote {
                    quote = 0
                } else {
                    word.append(byte)
                }
                index += 1
            }
            if quote != 0 { throw UnterminatedQuote(quote: quote, index: quoteStart) }
            arguments.append(Argument(text: String(decoding: word, as: UTF8.self), index: start))
        }
        return arguments
    }

    /// A sentence about the first `%` token not in `allowed`, or nil when every token is allowed.
    static func tokenProblem(_ text: String, allowed: Set<Character>, keyword: String) -> String? {
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else { continue }
            guard let token = iterator.next() else {
                return "\(keyword) ends in a lone '%' (write %% for a percent sign)"
            }
            guard allowed.contains(token) else {
                let list = allowed.sorted().map { "%\($0)" }.joined(separator: ", ")
                return "\(keyword) uses the token %\(token), which Drover does not expand (it expands \(list))"
            }
        }
        return nil
    }

    /// `text` with `%` tokens replaced from `values` (`%%` is always `%`); unknown tokens are kept as written.
    static func expandTokens(_ text: String, _ values: [Character: String]) -> String {
        guard text.contains("%") else { return text }
        var output = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "%" else {
                output.append(character)
                continue
            }
            guard let token = iterator.next() else {
                output.append("%")
                break
            }
            if token == "%" {
                output.append("%")
            } else if let value = values[token] {
                output += value
            } else {
                output += "%\(token)"
            }
        }
        return output
    }
}
