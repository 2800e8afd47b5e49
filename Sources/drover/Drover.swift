import ArgumentParser
import DroverModel
import Foundation

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

    /// One malloc arena for the whole process, set before any thread starts. glibc gives each thread that allocates
    /// its own arena, and a run's host tasks are allocated on one cooperative thread and freed on another: at 1,000
    /// hosts each of the two threads' arenas grew to 19 MB of mostly freed task frames that the other could not
    /// reuse. One arena: peak 95 → 86 MiB on that run; the controller's threads mostly wait on the network, so the
    /// shared lock costs nothing measurable (Scripts/bench --workload journal).
    static func main() async {
        #if os(Linux)
        // mallopt(3) is declared in malloc.h, which Swift's Glibc module does not include: looked up, and called with
        // C's calling convention. M_ARENA_MAX is -8 there.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let mallopt = dlsym(nil, "mallopt") { _ = unsafeBitCast(mallopt, to: Mallopt.self)(-8, 1) }
        #endif
        await main(nil)
    }
}

/// Foundation also declares a `Host`; in this module the word means an inventory host.
typealias Host = DroverModel.Host
