import ArgumentParser
import DroverLoading
import DroverModel
import Foundation

/// Loading shared by commands: bad files become exit 64 with every `file:line:col: message`.
enum CommandSupport {
    /// Runs `load`, turning any loading error into its messages on stderr and exit 64.
    static func loading<T>(_ load: () throws -> T) throws -> T {
        do {
            return try load()
        } catch let errors as LoadErrors {
            Terminal.error(errors.description)
        } catch let error as LoadError {
            Terminal.error(error.description)
        } catch let error as HostPatternError {
            Terminal.error("--limit: \(error.message)")
        }
        throw ExitCode(64)
    }

    /// The inventory with its `group_vars/`, `host_vars/` and ssh_config applied.
    /// - Parameter sshConfig: `--ssh-config`: nil for `~/.ssh/config` if it exists, `none` for none, else a file
    ///   that must exist.
    static func inventory(_ path: String, sshConfig: String?) throws -> Inventory {
        try loading {
            let home = InventoryLoader.environmentHome()
            let config: SSHConfig?
            switch sshConfig {
            case nil:
                config = try InventoryLoader.defaultSSHConfigPath(homeDirectory: home).flatMap {
                    path throws(LoadErrors) in try SSHConfig.loadIfPresent(path: path, homeDirectory: home)
                }
            case "none"?:
                config = nil
            case let path?:
                config = try SSHConfig.load(path: path, homeDirectory: home)
            }
            return try InventoryLoader(homeDirectory: home, sshConfig: config).load(
                path: path, defaultUser: InventoryLoader.currentUser())
        }
    }

    /// The inventory's hosts that match `--limit` (Ansible patterns, `@file` allowed).
    static func hosts(in inventory: Inventory, limit: String) throws -> [Host] {
        try loading { try inventory.hosts(matching: HostPatternLoader.load(limit)) }
    }

    /// A playbook with `--extra-var` values over its `vars` (they win, as Ansible's `-e` does), checked against the
    /// inventory.
    static func playbook(_ path: String, inventory: Inventory, extraVars: [String] = []) throws -> Playbook {
        var overrides: [String: InventoryValue] = [:]
        for assignment in extraVars {
            guard let equals = assignment.firstIndex(of: "="), Template.isName(assignment[..<equals]) else {
                Terminal.error("--extra-var \(assignment): expected NAME=VALUE")
                throw ExitCode(64)
            }
            overrides[String(assignment[..<equals])] = .string(String(assignment[assignment.index(after: equals)...]))
        }
        return try loading {
            var loaded = try PlaybookLoader().load(path: path)
            loaded.playbook.vars.merge(overrides) { _, new in new }
            try PlaybookValidator(inventory: inventory).check(loaded)
            return loaded.playbook
        }
    }
}
