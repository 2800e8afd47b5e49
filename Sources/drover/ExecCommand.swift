import ArgumentParser
import DroverEngine
import DroverModel
import Foundation

/// `drover exec -i INV [--limit P] [--forks N] [--timeout D] -- COMMAND`
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run an ad-hoc command on many hosts and show each host's result."
    )

    @OptionGroup var fleet: FleetOptions

    @Option(help: "End the command on a host after this long (e.g. 30s, 10m; at most 7d).", transform: FlagValues.commandTimeout)
    var timeout: Duration = .seconds(600)

    @Argument(parsing: .postTerminator, help: "The shell command to run (after --).")
    var command: [String]

    func run() async throws {
        let hosts = try fleet.hosts()
        let outcomes = await FleetReport.run(
            command.joined(separator: " "), timeout: timeout, hosts: hosts, fleet: fleet, showOutput: true)
        if !outcomes.allSatisfy(\.succeeded) { throw ExitCode(1) }
    }
}

/// `drover ping -i INV [--limit P]`
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Connect, verify the host key, log in and run `true` on every host."
    )

    @OptionGroup var fleet: FleetOptions

    func run() async throws {
        let hosts = try fleet.hosts()
        let outcomes = await FleetReport.run(
            "true", timeout: .seconds(30), hosts: hosts, fleet: fleet, showOutput: false)
        if !outcomes.allSatisfy(\.succeeded) { throw ExitCode(1) }
    }
}
