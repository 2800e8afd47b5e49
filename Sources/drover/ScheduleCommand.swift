import ArgumentParser
import DroverJournal
import DroverModel
import DroverRuntime
import Foundation

/// `drover schedule PLAYBOOK -i INV --at TIME | --next-window`, `--list`, `--cancel ID --reason TEXT`: planned runs
/// in the journal's schedule book. Parses its arguments and hands them to `Scheduler`.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Plan a run for a later window, list planned runs, or cancel one.",
        discussion: """
            drover schedule PLAYBOOK -i INV --at "2026-12-13 02:00" checks the run against the policy exactly as
            drover run would at that time (window, blackouts and freezes, approval, the estimate fitting the
            window) and records it in the journal; --next-window picks the first opening ahead that fits.
            Refused (exit 4) with the policy's sentence when the run would be refused then. Scheduling a change
            id that is planned already moves it (a new revision; calendars follow it).
            --list shows every planned run (SCHEDULED, STARTED with its run, CANCELLED, MISSED when its window
            ended without a run); --cancel ID --reason TEXT cancels one. Neither takes an inventory: they read
            the journal (--journal, else $DROVER_HOME/journal.sqlite). drover run of a planned change links
            the run to it.
            """
    )

    @Argument(help: "The playbook file (YAML), to plan a run of it.")
    var playbook: String?

    @Option(name: .shortAndLong, help: "Ansible inventory (INI, YAML or JSON), to plan a run.")
    var inventory: String?

    @Option(help: "Host pattern, Ansible style: app:&eu, app:!app3, web*.")
    var limit: String = "all"

    @Option(name: .customLong("ssh-config"), help: ArgumentHelp("OpenSSH client config ('none' for none).", valueName: "path"))
    var sshConfig: String?

    @Option(name: [.customShort("e"), .customLong("extra-var")], help: ArgumentHelp(
        "Set a playbook variable (repeatable; recorded, secrets only as a digest).", valueName: "name=value"))
    var extraVars: [String] = []

    @Option(help: "When: \"2026-12-13 02:00\" on the policy's clock, or 2026-12-13T02:00Z.")
    var at: String?

    @Flag(help: "The first opening ahead where the change is allowed and its estimate fits.")
    var nextWindow = false

    @Flag(help: "List the planned runs.")
    var list = false

    @Option(help: ArgumentHelp("Cancel the planned run with this id (with --reason).", valueName: "id"))
    var cancel: String?

    @Option(help: "Why it is cancelled (with --cancel; recorded and told).")
    var reason: String?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case human, json
    }

    @Option(help: "human, or json (one object per planned run per line).")
    var output: Format = .human

    @OptionGroup var policyOptions: PolicyOptions

    /// For tests: "now" is this instant; the clock then runs on in real time.
    @Option(help: .hidden, transform: InstantText.parse)
    var now: Date?

    @OptionGroup var journalOptions: JournalOptions

    func validate() throws {
        let modes = [list, cancel != nil, playbook != nil].filter { $0 }.count
        guard modes == 1 else {
            throw ValidationError("give a PLAYBOOK with -i to plan a run, or --list, or --cancel ID --reason TEXT")
        }
        if cancel != nil {
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--cancel needs --reason TEXT (it is recorded and told)")
            }
        } else if reason != nil {
            throw ValidationError("--reason goes with --cancel")
        }
        if playbook != nil {
            guard inventory != nil else { throw ValidationError("planning a run needs its inventory: -i INV") }
            guard (at != nil) != nextWindow else { throw ValidationError("say when: --at TIME or --next-window") }
        } else if at != nil || nextWindow || inventory != nil || !extraVars.isEmpty {
            throw ValidationError("--at, --next-window, -i and -e go with a PLAYBOOK to plan")
        }
    }

    func run() async throws {
        do {
            let scheduler = Scheduler(
                journal: try await journalOptions.open(), clock: SystemRunClock(judgedAt: now), identity: RunOptions.identity)
            if list {
                let (entries, now) = try await scheduler.list()
                printList(entries, now: now)
            } else if let cancel, let reason {
                let (entry, opening) = try await scheduler.cancel(cancel, reason: reason)
                print("cancelled \(entry.plan.id) '\(entry.plan.title)': \(reason)")
                print(opening.map { "the environment's \($0)" } ?? "the next opening is unknown (the policy cannot be read)")
                try await tell(scheduler.announce(entry, event: .cancelled, nextOpening: opening, delivery))
            } else if let playbook, let inventory {
                let request = ScheduleRequest(
                    playbookPath: playbook, inventoryPath: inventory, sshConfig: sshConfig, limit: limit,
                    extraVars: try ExtraVariables.parse(extraVars), policyPath: policyOptions.policy,
                    when: at.map(ScheduleRequest.When.at) ?? .nextWindow)
                let entry = try await scheduler.schedule(request)
                switch output {
                case .json: print(VisibleText.json(Self.json(entry, now: entry.scheduledAt)))
                case .human: print(Self.scheduledLine(entry))
                }
                try await tell(scheduler.announce(entry, event: .scheduled, delivery))
            }
        } catch let error as RuntimeError {
            throw RunOptions.fail(error)
        }
    }

    /// How notices are sent: the recorded policy's targets, or `--policy`'s.
    private var delivery: Scheduler.NoticeDelivery { Scheduler.NoticeDelivery(policyPath: policyOptions.policy) }

    /// Says how each notice fared (on standard error: standard output is the plan's line or JSON).
    private func tell(_ sent: [Scheduler.SentNotice]) {
        for notice in sent { Terminal.error(Self.line(notice)) }
    }

    private func printList(_ entries: [ScheduleBook.Entry], now: Date) {
        switch output {
        case .json:
            for entry in entries { print(VisibleText.json(Self.json(entry, now: now))) }
        case .human:
            guard !entries.isEmpty else {
                print("no planned runs in \(journalOptions.path)")
                return
            }
            for entry in entries { print(Self.listLine(entry, now: now)) }
        }
    }
}
