/// How to reach one host over SSH, fully resolved from the inventory (and later ssh_config).
///
/// Invariant: `address` is never empty; `port` is 1...65535.
public struct ConnectionSettings: Sendable, Hashable, Codable {
    /// What to do with a host key that known_hosts does not hold (OpenSSH's `StrictHostKeyChecking`).
    public enum HostKeyPolicy: String, Sendable, Hashable, Codable {
        /// Refuse unknown keys (the default, as OpenSSH's `yes`).
        case strict = "yes"
        /// Record an unknown key and continue; a changed key is still refused.
        case acceptNew = "accept-new"
    }

    /// Where a password comes from. Never the literal value on a command line or in a file we print.
    public enum PasswordSource: Sendable, Hashable, Codable {
        case environment(String)
        case file(String)
    }

    /// A host to tunnel through (`ProxyJump`), already resolved.
    public struct Jump: Sendable, Hashable, Codable {
        public var address: String
        public var port: Int
        public var user: String?
        public init(address: String, port: Int = 22, user: String? = nil) {
            self.address = address
            self.port = port
            self.user = user
        }
    }

    public var address: String
    public var port: Int
    public var user: String
    /// Private key files to try, in order; empty means the OpenSSH defaults (`~/.ssh/id_ed25519`, `~/.ssh/id_ecdsa`).
    public var identityFiles: [String]
    /// known_hosts files to verify against; empty means `~/.ssh/known_hosts`.
    public var knownHostsFiles: [String]
    public var hostKeyPolicy: HostKeyPolicy
    public var password: PasswordSource?
    /// The environment variable holding the key passphrase, if any.
    public var passphraseEnvironment: String?
    public var proxyJump: [Jump]
    /// Where the `sudo` password for `become` steps comes from (sent on the command's stdin, never in it).
    public var becomePassword: PasswordSource?

    public init(
        address: String,
        port: Int = 22,
        user: String,
        identityFiles: [String] = [],
        knownHostsFiles: [String] = [],
        hostKeyPolicy: HostKeyPolicy = .strict,
        password: PasswordSource? = nil,
        passphraseEnvironment: String? = nil,
        proxyJump: [Jump] = []
    ) {
        self.address = address
        self.port = port
        self.user = user
        self.identityFiles = identityFiles
        self.knownHostsFiles = knownHostsFiles
        self.hostKeyPolicy = hostKeyPolicy
        self.password = password
        self.passphraseEnvironment = passphraseEnvironment
        self.proxyJump = proxyJump
    }
}
