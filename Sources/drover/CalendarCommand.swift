import ArgumentParser
import DroverEngine
import DroverJournal
import DroverLoading
import DroverModel
import DroverRuntime
import Foundation

/// `drover calendar --env ENV [--from DATE] [--days N]`: the windows, blackouts and freezes ahead, day by day, with
/// the runs planned in them (`drover schedule`).
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Print the maintenance windows ahead day by day, with what blackouts and freezes leave open.",
        discussion: """
            Days and times are on the policy's wall clock (its top-level timezone). Each window is listed on
            the day it starts with the spans it is really open; whole-day blackouts are marked as freezes.
            --output json prints one object per day with every window and blackout occurrence (UTC instants).
            Runs planned with drover schedule (read from the journal, when it exists) are shown on their day;
            in --output ics each is one event with a stable UID, a SEQUENCE that grows when it is moved, and
            STATUS:CANCELLED once cancelled, so a subscribed calendar follows it.
            """
    )

    @Option(help: "The environment (default: the inventory's drover_environment).")
    var env: String?

    @Option(help: "First day, YYYY-MM-DD (default: today).")
    var from: String?

    @Option(help: "How many days (1...400).")
    var days: Int = 14

    @Option(name: .shortAndLong, help: "Ansible inventory: its drover_environment, and the policy.yml beside it.")
    var inventory: String?

    @OptionGroup var policyOptions: PolicyOptions

    @OptionGroup var journalOptions: JournalOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json, ics
    }

    @Option(help: "human, json (one object per day per line) or ics (iCalendar, for calendar apps).")
    var output: Format = .human

    func validate() throws {
        if env == nil, inventory == nil { throw ValidationError("name the environment with --env or an inventory with -i") }
        guard (1...MaintenanceCalendar.searchHorizonDays).contains(days) else {
            throw ValidationError("--days must be 1...\(MaintenanceCalendar.searchHorizonDays)")
        }
        if let from, Self.date(from) == nil { throw ValidationError("--from '\(from)' is not a date (YYYY-MM-DD)") }
    }

    static func date(_ text: String) -> CalendarDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2] else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    func run() async throws {
        let environment = try env ?? CommandSupport.inventory(inventory!, sshConfig: "none").environment
        let (policy, source) = try policyOptions.load(inventoryPath: inventory)
        let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
        let first = from.flatMap(Self.date) ?? zone.date(at: Date())
        let name = environment ?? "(no environment)"
        guard let policy, let environment, let rules = policy.environments[environment] else {
            let why = policy == nil ? source : "the policy (\(source)) does not name \(name)"
            if output == .human { print("\(name): \(why): no time restrictions, work may happen any day at any time") }
            return
        }
        let calendar = MaintenanceCalendar(policy: rules)
        let planned = try await plannedRuns(environment: environment)
        let now = Date()
        if output == .ics {
            let start = zone.instant(first, .startOfDay)
            let end = zone.instant(first.adding(days: days), .startOfDay)
            print(
                CalendarPages.iCalendar(
                    environment: environment, calendar: calendar, from: start, to: end, stamp: now,
                    planned: planned.filter { $0.plan.end >= start && $0.plan.start < end }),
                terminator: "")
            return
        }
        if output == .human {
            let last = first.adding(days: days - 1)
            print("\(name): \(first.weekday.shortName.capitalized) \(first) .. \(last.weekday.shortName.capitalized) \(last) (times in \(zone.identifier); policy \(source))")
        }
        for offset in 0..<days {
            let day = first.adding(days: offset)
            let report = CalendarPages.day(
                day, calendar: calendar, zone: zone, unrestrictedHours: rules.windows == nil, planned: planned, now: now)
            print(output == .human ? report.human : report.json)
        }
    }

    /// The environment's planned runs from the journal's schedule book; none when the journal file does not exist
    /// (the calendar never creates one).
    func plannedRuns(environment: String) async throws -> [ScheduleBook.Entry] {
        guard FileManager.default.fileExists(atPath: journalOptions.path) else { return [] }
        let journal = try await journalOptions.open()
        return try await journalCall { try await ScheduleBook.read(from: journal) }.entries.filter {
            $0.plan.environment == environment
        }
    }
}
