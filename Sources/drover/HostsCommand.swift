import ArgumentParser
import DroverModel

/// `drover hosts -i INV [--limit P] [--ssh-config PATH] [--output human|json]`
struct HostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "List the resolved hosts, their groups and connection settings (secrets masked).",
        discussion: """
            Connects to nothing. Variables whose names contain pass, secret, token or key are shown as ********, \
            except paths (names ending in _file or _path) and drover_password_env / drover_passphrase_env.
            """
    )

    @OptionGroup var selection: InventoryOptions

    @Option(help: "human or json (one object per host per line).")
    var output: OutputFormat = .human

    func run() throws {
        let hosts = try selection.hosts()
        for (index, host) in hosts.enumerated() {
            switch output {
            // Inventory values may come from a generator that let control characters through: made visible.
            case .json: print(VisibleText.json(HostListing.json(host)))
            case .human: print((index > 0 ? "\n" : "") + VisibleText.escape(HostListing.human(host)))
            }
        }
        if output == .human { print("\n\(hosts.count) host\(hosts.count == 1 ? "" : "s")") }
    }
}
