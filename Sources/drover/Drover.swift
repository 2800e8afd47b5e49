import ArgumentParser
import DroverModel

@main
struct Drover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drover",
        abstract: "Maintenance-window runner for fleets of Linux hosts.",
        subcommands: [
            RunCommand.self, PlanCommand.self, ValidateCommand.self, WindowCommand.self, CalendarCommand.self,
            PingCommand.self, ExecCommand.self, HostsCommand.self, NotifyTestCommand.self, RunsCommand.self,
            LogCommand.self, VerifyCommand.self, ReportCommand.self, ResumeCommand.self, UnlockCommand.self,
            DecideCommand.self, ScheduleCommand.self, NotifyDueCommand.self, ExtendCommand.self, JournalCommand.self,
            WatchCommand.self,
        ]
    )
}

/// Foundation also declares a `Host`; in this module the word means an inventory host.
typealias Host = DroverModel.Host
