import ArgumentParser
import DroverLoading
import DroverModel
import Foundation

/// Loading shared by commands: bad files become exit 64 with every `file:line:col: message`.
enum CommandSupport {
    /// The inventory's hosts that match `limit` (Ansible patterns, `@file` allowed).
    /// - Parameter sshConfig: `--ssh-config`: nil for `~/.ssh/config` if it exists, `none` for none, else a file
    ///   that must exist.
    static func hosts(inventory: String, limit: String, sshConfig: String?) throws -> [Host] {
        do {
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
            let loaded = try InventoryLoader(homeDirectory: home, sshConfig: config).load(
                path: inventory, defaultUser: InventoryLoader.currentUser())
            return try loaded.hosts(matching: HostPatternLoader.load(limit))
        } catch let errors as LoadErrors {
            Terminal.error(errors.description)
        } catch let error as LoadError {
            Terminal.error(error.description)
        } catch let error as HostPatternError {
            Terminal.error("--limit: \(error.message)")
        }
        throw ExitCode(64)
    }
}
