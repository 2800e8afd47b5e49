import ArgumentParser
import DroverLoading
import DroverModel

/// Options that choose hosts: the inventory, `--limit` and the ssh_config consulted for their settings.
struct InventoryOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Ansible inventory (INI, YAML or JSON).")
    var inventory: String

    @Option(help: "Host pattern, Ansible style: app:&eu, app:!app3, web*.")
    var limit: String = "all"

    @Option(
        name: .customLong("ssh-config"),
        help: ArgumentHelp(
            "OpenSSH client config to honour ('none' for none).", discussion: "Default: ~/.ssh/config if it exists.",
            valueName: "path"))
    var sshConfig: String?

    /// The inventory; exits 64 with file:line:col messages on bad input.
    func load() throws -> Inventory {
        try CommandSupport.inventory(inventory, sshConfig: sshConfig)
    }

    /// The inventory's hosts matching --limit; exits 64 with file:line:col messages on bad input.
    func hosts() throws -> [Host] {
        try CommandSupport.hosts(in: load(), limit: limit)
    }
}
