import DroverModel

extension SSHConfig {
    /// What the file says about one host: the first value obtained for each option, in file order across every
    /// block that applies, and every `IdentityFile` (they accumulate). Each value keeps its place, for errors.
    struct HostOptions {
        typealias Located<Value> = (value: Value, location: SourceLocation)

        /// As written: may hold `%h`.
        var hostName: Located<String>?
        var user: Located<String>?
        var port: Located<Int>?
        /// As written: may hold `~` and `%` tokens.
        var identityFiles: [Located<String>] = []
        var knownHostsFiles: Located<[String]>?
        var hostKeyChecking: Located<HostKeyChecking>?
        /// `ProxyJump` or `ProxyCommand`, whichever came first (they share one slot, as in ssh).
        var proxy: Located<Value>?
    }

    /// The options for `host`, as ssh obtains them when given `host` on its command line.
    ///
    /// Lines before the first `Host` or `Match` apply to every host. A `Host` block applies when one of its
    /// patterns matches `host` (lowercased, as ssh lowercases it; patterns are case-sensitive) and no negated one
    /// does. `Match host` uses the host name after any `HostName` obtained so far (`commandLineHostName` first, as an
    /// `-o HostName=` on ssh's command line would be). An `Include` in a block that does not apply reads its files
    /// without applying anything from them.
    /// - Complexity: O(entries), with no allocation per line that does not apply.
    func options(forHost host: String, hostName commandLineHostName: String? = nil) -> HostOptions {
        var walk = Walk(host: host.lowercased(), originalHost: host, commandLineHostName: commandLineHostName)
        var active = true
        walk.visit(entries, active: &active, neverMatch: false)
        return walk.options
    }

    /// One host's pass over the entries.
    private struct Walk {
        let host: String
        /// `host`'s UTF-8 bytes, for `Host` patterns.
        let hostBytes: [UInt8]
        let originalHost: String
        let commandLineHostName: String?
        var options = HostOptions()

        init(host: String, originalHost: String, commandLineHostName: String?) {
            self.host = host
            self.hostBytes = Array(host.utf8)
            self.originalHost = originalHost
            self.commandLineHostName = commandLineHostName
        }

        mutating func visit(_ entries: [Entry], active: inout Bool, neverMatch: Bool) {
            for entry in entries {
                switch entry {
                case .host(let patterns):
                    active = !neverMatch && Self.matches(hostBytes, patterns)
                case .match(let criteria):
                    active = !neverMatch && criteria.allSatisfy(holds)
                case .option(let option):
                    if active { apply(option) }
                case .include(let files):
                    // As ssh: an included file starts in the includer's state, cannot change it, and applies
                    // nothing at all when the includer's block does not apply.
                    let outer = active
                    for file in files {
                        var inner = outer
                        visit(file.entries, active: &inner, neverMatch: neverMatch || !outer)
                    }
                    active = outer
                }
            }
        }

        private mutating func apply(_ option: Option) {
            let location = option.location
            switch option.value {
            case .hostName(let name): if options.hostName == nil { options.hostName = (name, location) }
            case .user(let user): if options.user == nil { options.user = (user, location) }
            case .port(let port): if options.port == nil { options.port = (port, location) }
            case .identityFile(let file):
                if file.lowercased() != "none", !options.identityFiles.contains(where: { $0.value == file }) {
                    options.identityFiles.append((file, location))
                }
            case .knownHostsFiles(let files):
                if options.knownHostsFiles == nil { options.knownHostsFiles = (files, location) }
            case .hostKeyChecking(let checking):
                if options.hostKeyChecking == nil { options.hostKeyChecking = (checking, location) }
            case .proxyJump, .proxyCommand:
                if options.proxy == nil { options.proxy = (option.value, location) }
            }
        }

        private func holds(_ criterion: MatchCriterion) -> Bool {
            switch criterion {
            case .all:
                return true
            case .host(let list, let negated):
                let name =
                    commandLineHostName
                    ?? options.hostName.map { SSHConfigParser.expandTokens($0.value, ["h": originalHost]) }
                    ?? originalHost
                return Self.matchesList(name.lowercased(), list) != negated
            case .originalHost(let list, let negated):
                return Self.matchesList(originalHost.lowercased(), list) != negated
            }
        }

        /// A `Host` line: some pattern matches and no negated pattern does.
        static func matches(_ host: [UInt8], _ patterns: [Pattern]) -> Bool {
            var matched = false
            for pattern in patterns where SSHPattern.matches(host, pattern.glob) {
                if pattern.negated { return false }
                matched = true
            }
            return matched
        }

        /// A comma-separated pattern list (`Match host a*,!ab`), case-insensitive, as OpenSSH's `match_hostname`:
        /// true when a pattern matches and no negated one does.
        static func matchesList(_ host: String, _ list: String) -> Bool {
            var matched = false
            for item in list.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
                let negated = item.first == "!"
                let glob = negated ? item.dropFirst() : item[...]
                guard SSHPattern.matches(host, glob) else { continue }
                if negated { return false }
                matched = true
            }
            return matched
        }
    }
}
