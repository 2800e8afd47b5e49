import DroverJournal
public import DroverLoading
public import DroverModel
import Foundation

/// Files → the values a run starts from, for `drover run` and `drover resume` alike (one loading path, so a resume
/// reads its recorded files exactly as the run did). Every problem is a `RuntimeError` (64) whose message has one
/// `file:line:col: message` line per problem.
public struct RunLoader: Sendable {
    /// A playbook as read: its model with `-e` over its `vars`, and the SHA-256 of the bytes read (what a resume
    /// compares).
    public struct PlaybookFile: Sendable {
        /// Absolute.
        public var path: String
        public var playbook: Playbook
        public var sha256: String
    }

    /// `$HOME` for `~` in ssh_config and key paths.
    public var homeDirectory: String?
    /// The login name hosts default to.
    public var defaultUser: String

    public init(
        homeDirectory: String? = InventoryLoader.environmentHome(), defaultUser: String = InventoryLoader.currentUser()
    ) {
        self.homeDirectory = homeDirectory
        self.defaultUser = defaultUser
    }

    /// Runs `load`, turning loading errors into one `RuntimeError` (64) with every message.
    public static func loading<T>(_ load: () throws -> T) throws -> T {
        do {
            return try load()
        } catch let errors as LoadErrors {
            throw RuntimeError.invalidInput(errors.description)
        } catch let error as LoadError {
            throw RuntimeError.invalidInput(error.description)
        } catch let error as HostPatternError {
            throw RuntimeError.invalidInput("--limit: \(error.message)")
        }
    }

    /// The inventory with its `group_vars/`, `host_vars/` and ssh_config applied.
    /// - Parameter sshConfig: nil for `~/.ssh/config` if it exists, `none` for none, else a file that must exist.
    public func inventory(path: String, sshConfig: String?) throws -> Inventory {
        try Self.loading {
            let config: SSHConfig?
            switch sshConfig {
            case nil:
                config = try InventoryLoader.defaultSSHConfigPath(homeDirectory: homeDirectory).flatMap {
                    path throws(LoadErrors) in try SSHConfig.loadIfPresent(path: path, homeDirectory: homeDirectory)
                }
            case "none"?:
                config = nil
            case let path?:
                config = try SSHConfig.load(path: path, homeDirectory: homeDirectory)
            }
            return try InventoryLoader(homeDirectory: homeDirectory, sshConfig: config).load(
                path: path, defaultUser: defaultUser)
        }
    }

    /// The inventory's hosts that `limit` selects (Ansible patterns, `@file` allowed), in inventory order.
    public func selected(in inventory: Inventory, limit: String) throws -> [DroverModel.Host] {
        try Self.loading { try inventory.hosts(matching: HostPatternLoader.load(limit)) }
    }

    /// The playbook with `extraVars` over its `vars` (they win, as Ansible's `-e` does), checked against the
    /// inventory; read once, so the hash is of exactly what was loaded.
    public func playbook(path: String, inventory: Inventory, extraVars: ExtraVariables) throws -> PlaybookFile {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return try Self.loading {
            let bytes = try PlaybookLoader.contents(path: absolute)
            var loaded = try PlaybookLoader().load(contents: bytes, path: path)
            loaded.playbook.vars.merge(extraVars.values) { _, new in new }
            try PlaybookValidator(inventory: inventory).check(loaded)
            return PlaybookFile(path: absolute, playbook: loaded.playbook, sha256: EventChain.sha256(Data(bytes)))
        }
    }

    /// The policy: `explicit` (which must exist), else `policy.yml` beside the inventory when it exists.
    /// - Returns: the policy (nil: no time restrictions) and a note saying where it came from when there is none.
    public func policy(explicit: String?, inventoryPath: String) throws -> (policy: Policy?, note: String?) {
        let path = explicit ?? InventoryLoader.directory(of: inventoryPath) + "/policy.yml"
        if explicit == nil, !FileManager.default.fileExists(atPath: path) {
            return (nil, "no policy file (\(path)): no time restrictions")
        }
        return (try Self.loading { try PolicyLoader().load(path: path) }, nil)
    }
}
