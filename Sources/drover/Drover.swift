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

    /// One malloc arena for the whole process, set before any thread starts. glibc gives each thread that allocates
    /// its own arena, and a run's host tasks are allocated on one cooperative thread and freed on another: at 1,000
    /// hosts each of the two threads' arenas grew to 19 MB of mostly freed task frames that the other could not
    /// reuse. One arena: peak 95 → 86 MiB on that run; the controller's threads mostly wait on the network, so the
    /// shared lock costs nothing measurable (Scripts/bench --workload journal).
    static func main() async {
        #if os(Linux)
        _ = glibcMallopt(-8, 1)  // M_ARENA_MAX (malloc.h, which Swift's Glibc module does not include)
        #endif
        await main(nil)
    }
}

#if os(Linux)
/// glibc's `mallopt(3)`.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// Foundation also declares a `Host`; in this module the word means an inventory host.
typealias Host = DroverModel.Host
