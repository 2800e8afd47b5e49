import ArgumentParser
import DroverEngine
import DroverLoading
import DroverModel
import DroverSSH
import Foundation

/// Options shared by the commands that reach hosts.
struct FleetOptions: ParsableArguments {
    @OptionGroup var selection: InventoryOptions

    @Option(help: "Upper bound on hosts worked on at once (1...\(FlagValues.maximumForks)).", transform: FlagValues.forks)
    var forks: Int = 200

    @Option(help: "Time allowed for TCP connect, SSH handshake and login (e.g. 10s; at most 1h).", transform: FlagValues.connectTimeout)
    var connectTimeout: Duration = .seconds(10)

    @Option(help: "human or json (one object per host per line).")
    var output: OutputFormat = .human

    /// The inventory's hosts matching --limit; exits 64 with file:line:col messages on bad input.
    func hosts() throws -> [Host] {
        try selection.hosts()
    }

    /// - Parameter commands: `.sharedShell` where sessions run many commands (a playbook's steps).
    func transport(commands: SSHOptions.CommandChannels = .perCommand) -> SSHTransport {
        SSHTransport(
            options: SSHOptions(
                connectTimeout: connectTimeout, passphraseProvider: Terminal.askPassphrase, commands: commands))
    }

    /// The transport factory of `run` and `resume`: a playbook runs many commands per host, so one shared shell per
    /// session runs them.
    static func runTransport(connectTimeout: Duration) -> @Sendable () -> any HostTransport {
        {
            SSHTransport(
                options: SSHOptions(
                    connectTimeout: connectTimeout, passphraseProvider: Terminal.askPassphrase, commands: .sharedShell))
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json
}
