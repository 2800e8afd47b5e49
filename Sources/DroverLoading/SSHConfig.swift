import DroverModel

/// An OpenSSH client configuration file (`~/.ssh/config`) with the files it includes, parsed once and then asked
/// about each host (`options(forHost:hostName:)`).
///
/// Read as `ssh` reads it (see `SSHConfigParser`): `Host` and `Match` blocks, `Include`, case-insensitive keywords,
/// `Key value` and `Key=value`, quotes and comments. Only the options Drover uses are kept — `HostName`, `User`,
/// `Port`, `IdentityFile`, `UserKnownHostsFile`, `StrictHostKeyChecking`, `ProxyJump` and `ProxyCommand` — each
/// with its place in the file; every other keyword is skipped. Values are checked when the file is read (a bad
/// `Port` anywhere is an error, as in ssh); refusals that depend on use (`StrictHostKeyChecking no`, `ProxyCommand`)
/// are reported only for a host that would use them.
///
/// Invariant: `entries` are in file order, an `Include` standing where it was written.
public struct SSHConfig: Sendable {
    /// The deepest `Include` nesting read, as in OpenSSH (`READCONF_MAX_DEPTH`).
    public static let maximumIncludeDepth = 16
    /// The largest configuration file read.
    public static let maximumFileSize = 16 << 20
    /// The most lines (the file and everything it includes, counted each time it is included) one configuration may
    /// amount to, so a few files including each other many times cannot make every host's lookup slow.
    public static let maximumEntries = 1_000_000

    /// One line that matters, in file order.
    enum Entry: Sendable {
        /// `Host pattern…`: starts a block that applies when a pattern matches and no negated one does.
        case host([Pattern])
        /// `Match …`: starts a block that applies when every criterion holds.
        case match([MatchCriterion])
        /// A kept option.
        case option(Option)
        /// `Include`: the files it named, in the order ssh reads them.
        case include([SSHConfig])
    }

    /// One `Host` pattern: `*` and `?` globs, `!` for negation.
    struct Pattern: Sendable, Equatable {
        /// The glob's UTF-8 bytes (matched bytewise, as ssh does).
        var glob: [UInt8]
        var negated: Bool
    }

    /// One criterion of a `Match` line.
    enum MatchCriterion: Sendable, Equatable {
        /// `all`: always true.
        case all
        /// `host LIST`: the host name after any `HostName` so far, against a comma-separated pattern list.
        case host(String, negated: Bool)
        /// `originalhost LIST`: the host name as given, against a comma-separated pattern list.
        case originalHost(String, negated: Bool)
    }

    /// A kept option and where it was written.
    struct Option: Sendable {
        var value: Value
        var location: SourceLocation
    }

    /// The options Drover reads, already checked.
    enum Value: Sendable {
        /// May hold `%h` (the host name as given) and `%%`.
        case hostName(String)
        case user(String)
        case port(Int)
        /// May hold `~` and the tokens in `SSHConfigParser.pathTokens`.
        case identityFile(String)
        case knownHostsFiles([String])
        case hostKeyChecking(HostKeyChecking)
        case proxyJump([SSHArguments.Hop])
        /// `ProxyCommand`; true when it is `none`.
        case proxyCommand(isNone: Bool)
    }

    /// `StrictHostKeyChecking` as written.
    enum HostKeyChecking: Sendable, Equatable {
        case policy(ConnectionSettings.HostKeyPolicy)
        /// `no`, `off` or `false`, as written: refused when a host would use it.
        case disabled(String)
    }

    /// The file as named (in errors).
    public var path: String
    var entries: [Entry]
    /// Entries here and in every included file, counted each time a file is included.
    var entryCount: Int

    /// Reads and parses the file at `path` and every file it includes.
    /// - Parameters:
    ///   - path: the configuration file (`~/.ssh/config`).
    ///   - homeDirectory: what `~` means; relative `Include` paths are taken from `~/.ssh`, as ssh does.
    /// - Throws: `LoadErrors` listing every problem, each as `file:line:col: message`.
    public static func load(path: String, homeDirectory: String?) throws(LoadErrors) -> SSHConfig {
        let contents: [UInt8]
        do throws(LoadError) {
            contents = try InventoryLoader.readFile(path, limit: maximumFileSize, kind: "an ssh_config file")
        } catch {
            throw LoadErrors([error])
        }
        return try parse(contents: contents, path: path, homeDirectory: homeDirectory)
    }

    /// Like `load`, but nil when no file exists at `path` (a missing `~/.ssh/config` is no configuration).
    /// - Throws: `LoadErrors` when the file exists but cannot be read or has errors.
    public static func loadIfPresent(path: String, homeDirectory: String?) throws(LoadErrors) -> SSHConfig? {
        guard InventoryLoader.fileExists(path) else { return nil }
        return try load(path: path, homeDirectory: homeDirectory)
    }

    /// Parses configuration text already in memory; `path` names it in errors. `Include` still reads files.
    /// - Throws: `LoadErrors` listing every problem.
    public static func parse(contents: [UInt8], path: String, homeDirectory: String?) throws(LoadErrors) -> SSHConfig {
        var parser = SSHConfigParser(homeDirectory: homeDirectory)
        let config = parser.parse(contents, path: path, depth: 0)
        guard parser.errors.isEmpty else { throw LoadErrors(parser.errors.sorted()) }
        return config
    }

    /// Parses configuration text already in memory.
    /// - Throws: `LoadErrors` listing every problem.
    public static func parse(text: String, path: String, homeDirectory: String?) throws(LoadErrors) -> SSHConfig {
        try parse(contents: Array(text.utf8), path: path, homeDirectory: homeDirectory)
    }
}
