import ArgumentParser
import DroverRuntime
import Foundation

/// `drover notify-due`: sends the advance notices, reminders and missed-run notices that are due now, once each.
/// Meant for cron or a systemd timer.
struct NotifyDueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify-due",
        abstract: "Send the advance notices and reminders of planned runs that are due (for cron or a timer).",
        discussion: """
            For each run planned with drover schedule, a policy's notify.advance (per environment or per
            target: [72h, 24h, 1h]) says when its advance notice and reminders are due; this sends those due
            now that were not sent yet, and a 'missed' notice for a planned run whose window ended without a
            run. Each notice is claimed in the journal before it is sent and marked after, so two notify-due
            at the same moment never both send it; one that dies between sending and marking makes the next
            notify-due send it again after 10 minutes. Run it every few minutes:
              */5 * * * * drover notify-due --journal /var/lib/drover/journal.sqlite
            Exit status: 0 when every due notice was delivered (or none was due), 1 when one was not.
            """
    )

    @Option(help: ArgumentHelp("Read this policy instead of the one recorded with each planned run.", valueName: "file"))
    var policy: String?

    /// For tests: "now" is this instant.
    @Option(help: .hidden, transform: InstantText.parse)
    var now: Date?

    @OptionGroup var journalOptions: JournalOptions

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        do {
            let scheduler = Scheduler(
                journal: try await journalOptions.open(), clock: SystemRunClock(judgedAt: now), identity: RunOptions.identity)
            let sent = try await scheduler.notifyDue(Scheduler.NoticeDelivery(policyPath: policy))
            for notice in sent { print(ScheduleCommand.line(notice)) }
            if sent.contains(where: { !$0.outcome.delivered }) { throw ExitCode(1) }
        } catch let error as RuntimeError {
            throw RunOptions.fail(error)
        }
    }
}
