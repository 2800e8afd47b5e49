import ArgumentParser
import DroverLoading
import DroverModel
import DroverRuntime
import Foundation

/// Loading shared by commands, through the same `RunLoader` that `run` and `resume` use: bad files become exit 64
/// with every `file:line:col: message` on stderr.
enum CommandSupport {
    /// Runs `load`, turning any loading error into its messages on stderr and exit 64.
    static func loading<T>(_ load: () throws -> T) throws -> T {
        do {
            return try RunLoader.loading(load)
        } catch let error as RuntimeError {
            throw RunOptions.fail(error)
        }
    }

    /// The inventory with its `group_vars/`, `host_vars/` and ssh_config applied.
    /// - Parameter sshConfig: `--ssh-config`: nil for `~/.ssh/config` if it exists, `none` for none, else a file
    ///   that must exist.
    static func inventory(_ path: String, sshConfig: String?) throws -> Inventory {
        try loading { try RunLoader().inventory(path: path, sshConfig: sshConfig) }
    }

    /// The inventory's hosts that match `--limit` (Ansible patterns, `@file` allowed).
    static func hosts(in inventory: Inventory, limit: String) throws -> [Host] {
        try loading { try RunLoader().selected(in: inventory, limit: limit) }
    }

    /// A playbook with `--extra-var` values over its `vars` (they win, as Ansible's `-e` does), checked against the
    /// inventory.
    static func playbook(_ path: String, inventory: Inventory, extraVars: [String] = []) throws -> Playbook {
        try loading {
            try RunLoader().playbook(path: path, inventory: inventory, extraVars: ExtraVariables.parse(extraVars))
                .playbook
        }
    }
}
