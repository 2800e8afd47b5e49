import DroverModel

/// What `ansible_ssh_common_args` / `ansible_ssh_extra_args` say about a connection, read as OpenSSH reads its
/// command line.
///
/// Honoured: `-o Key=Value`, `-o "Key Value"`, `-oKey=Value` (and, leniently, `-o Key Value` as three words) for
/// `ProxyJump`, `UserKnownHostsFile`, `StrictHostKeyChecking`, `Port`, `User`, `IdentityFile` and `HostName`; and
/// the flags `-J`, `-p`, `-l`, `-i`. As in OpenSSH the first value of an option wins, except `IdentityFile`, which
/// accumulates. Other options and flags are skipped (with their arguments). `ProxyCommand` is refused: Drover
/// would connect directly instead of through it. Settings that would weaken host key checking are refused.
struct SSHArguments: Equatable {
    var hostName: String?
    var port: Int?
    var user: String?
    var identityFiles: [String] = []
    var knownHostsFiles: [String]?
    var hostKeyPolicy: ConnectionSettings.HostKeyPolicy?
    /// The jump hosts as written (a port or user left out is filled in later, from ssh_config or defaults).
    var proxyJump: [Hop]?

    /// One `[user@]host[:port]` hop of a `ProxyJump` value, as written.
    struct Hop: Equatable, Sendable {
        var host: String
        /// nil when the hop names no port (22, unless ssh_config gives one).
        var port: Int?
        /// nil when the hop names no user (ssh_config's, else the target's user).
        var user: String?

        /// The hop with defaults filled in: port 22, and no user of its own.
        var jump: ConnectionSettings.Jump { ConnectionSettings.Jump(address: host, port: port ?? 22, user: user) }
    }

    /// A reason the arguments cannot be used.
    struct Problem: Error, Equatable {
        var code: LoadError.Code
        var message: String
    }

    /// ssh's flags that take an argument (`ssh -B … -w …`).
    private static let flagsWithArgument = Set("BbcDEeFIiJLlmOoPpQRSWw".utf8)

    /// Reads one variable's arguments into `self`, keeping values already set (first wins).
    /// - Returns: the problems found; the good options are applied regardless.
    mutating func read(_ text: String) -> [Problem] {
        let words: [String]
        do {
            words = try ShellWords.split(text).map(\.text)
        } catch {
            switch error {
            case .unterminatedQuote(let quote, _):
                return [
                    Problem(code: .unterminatedQuote, message: "unterminated \(Character(Unicode.Scalar(quote))) quote")
                ]
            case .danglingEscape:
                return [Problem(code: .syntax, message: "a backslash ends the arguments with nothing to escape")]
            }
        }
        var problems: [Problem] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("-"), word.count > 1 else { continue }
            if word == "--" { break }
            var flags = Substring(word.dropFirst())
            while let flag = flags.first {
                flags = flags.dropFirst()
                guard let ascii = flag.asciiValue, Self.flagsWithArgument.contains(ascii) else { continue }
                var argument = String(flags)
                flags = ""
                if argument.isEmpty {
                    guard index < words.count else {
                        problems.append(Problem(code: .syntax, message: "'-\(flag)' needs an argument"))
                        break
                    }
                    argument = words[index]
                    index += 1
                }
                switch flag {
                case "o":
                    var (key, value) = Self.splitOption(argument)
                    if value.isEmpty, index < words.count, !words[index].hasPrefix("-") {
                        value = words[index]
                        index += 1
                    }
                    if let problem = apply(option: key, value: value) { problems.append(problem) }
                case "J": if let problem = apply(option: "proxyjump", value: argument) { problems.append(problem) }
                case "p": if let problem = apply(option: "port", value: argument) { problems.append(problem) }
                case "l": if let problem = apply(option: "user", value: argument) { problems.append(problem) }
                case "i": if let problem = apply(option: "identityfile", value: argument) { problems.append(problem) }
                default: break
                }
            }
        }
        return problems
    }

    /// `Key=Value`, `Key Value`, `Key = Value` → the lowercased key and the value.
    static func splitOption(_ text: String) -> (key: String, value: String) {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        let keyEnd = trimmed.firstIndex { $0 == "=" || $0 == " " || $0 == "\t" } ?? trimmed.endIndex
        let key = trimmed[..<keyEnd].lowercased()
        var rest = trimmed[keyEnd...].drop { $0 == " " || $0 == "\t" }
        if rest.first == "=" { rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" } }
        while rest.last == " " || rest.last == "\t" { rest = rest.dropLast() }
        return (key, String(rest))
    }

    private mutating func apply(option key: String, value: String) -> Problem? {
        func invalid(_ message: String) -> Problem { Problem(code: .invalidValue, message: message) }
        let quotedValue = MessageText.quoted(value)
        switch key {
        case "hostname":
            guard !value.isEmpty else { return invalid("HostName needs a value") }
            if hostName == nil { hostName = value }
        case "port":
            guard let number = Int(value), (1...65535).contains(number) else {
                return invalid("Port \(quotedValue) is not a number from 1 to 65535")
            }
            if port == nil { port = number }
        case "user":
            guard !value.isEmpty else { return invalid("User needs a value") }
            if user == nil { user = value }
        case "identityfile":
            guard !value.isEmpty else { return invalid("IdentityFile needs a value") }
            if value.lowercased() != "none" && !identityFiles.contains(value) { identityFiles.append(value) }
        case "userknownhostsfile":
            let files = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !files.isEmpty else { return invalid("UserKnownHostsFile needs a value") }
            if files.count == 1 && files[0].lowercased() == "none" { return Self.noKnownHostsFile }
            if knownHostsFiles == nil { knownHostsFiles = files }
        case "stricthostkeychecking":
            switch value.lowercased() {
            case "yes", "true", "ask":
                if hostKeyPolicy == nil { hostKeyPolicy = .strict }
            case "accept-new":
                if hostKeyPolicy == nil { hostKeyPolicy = .acceptNew }
            case "no", "off", "false":
                return Self.hostKeyCheckingDisabled(value)
            default:
                return Self.unknownHostKeyChecking(value)
            }
        case "proxyjump":
            do {
                let hops = try Self.parseProxyJump(value)
                if proxyJump == nil { proxyJump = hops }
            } catch {
                return error
            }
        case "proxycommand":
            if value.lowercased() != "none" { return Self.proxyCommandUnsupported }
        default:
            break
        }
        return nil
    }

    // The refusals shared with ssh_config (`SSHConfigParser`), so both say the same thing.

    /// `StrictHostKeyChecking` set to `no`, `off` or `false`.
    static func hostKeyCheckingDisabled(_ value: String) -> Problem {
        Problem(
            code: .insecureOption,
            message: "StrictHostKeyChecking=\(value) would disable host key checking, which Drover never does "
                + "(use accept-new to record keys of new hosts)")
    }

    /// `StrictHostKeyChecking` set to something OpenSSH does not know.
    static func unknownHostKeyChecking(_ value: String) -> Problem {
        Problem(
            code: .invalidValue,
            message: "StrictHostKeyChecking \(MessageText.quoted(value)) is not yes, accept-new or ask")
    }

    /// `UserKnownHostsFile none`.
    static let noKnownHostsFile = Problem(
        code: .insecureOption,
        message: "UserKnownHostsFile=none leaves no host keys to verify; name a known_hosts file instead")

    /// Any `ProxyCommand` but `none`.
    static let proxyCommandUnsupported = Problem(
        code: .unsupportedOption,
        message: "ProxyCommand is not supported; Drover would connect directly instead (use ProxyJump)")

    /// `[user@]host[:port]` hops, comma-separated, each optionally `ssh://…`; `none` means no jump.
    static func parseProxyJump(_ value: String) throws(Problem) -> [Hop] {
        if value.lowercased() == "none" { return [] }
        var jumps: [Hop] = []
        for hop in value.split(separator: ",", omittingEmptySubsequences: false) {
            var text = Substring(hop)
            let quotedHop = MessageText.quoted(hop)
            if text.hasPrefix("ssh://") {
                text = text.dropFirst(6)
                if text.last == "/" { text = text.dropLast() }
            }
            var user: String?
            if let at = text.lastIndex(of: "@") {
                user = String(text[..<at])
                text = text[text.index(after: at)...]
                guard !user!.isEmpty else {
                    throw Problem(code: .invalidValue, message: "ProxyJump \(quotedHop) has an empty user")
                }
            }
            var host = text
            var portText: Substring?
            if text.first == "[", let close = text.firstIndex(of: "]") {
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                if rest.first == ":" { portText = rest.dropFirst() } else if !rest.isEmpty { host = "" }
            } else if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            }
            guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw Problem(code: .invalidValue, message: "ProxyJump \(quotedHop) is not [user@]host[:port]")
            }
            var port: Int?
            if let portText {
                guard let number = Int(portText), (1...65535).contains(number) else {
                    throw Problem(
                        code: .invalidValue, message: "ProxyJump \(quotedHop) has a port that is not from 1 to 65535")
                }
                port = number
            }
            jumps.append(Hop(host: String(host), port: port, user: user))
        }
        return jumps
    }
}
