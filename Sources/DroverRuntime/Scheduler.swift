import DroverEngine
public import DroverJournal
import DroverLoading
public import DroverModel
public import Foundation

/// Planned runs (SPEC section 11): `drover schedule` checks a run against the policy exactly as `run` would at the
/// planned time and records it in the schedule book; `--list` and `--cancel` read and change the book; a run of a
/// planned change links to it. Everything goes through the journal (`ScheduleBook`), never through `drover run`.
public struct Scheduler: Sendable {
    public var journal: any Journal
    /// The wall clock "now" is judged by (injected).
    public var clock: any RunClock
    public var identity: ControllerIdentity
    public var loader: RunLoader

    public init(journal: any Journal, clock: any RunClock, identity: ControllerIdentity, loader: RunLoader = RunLoader()) {
        self.journal = journal
        self.clock = clock
        self.identity = identity
        self.loader = loader
    }

    /// Plans a run: loads and checks everything as `run` does, finds or checks its start, and records it.
    /// - Returns: the book's entry (revision 0 when new, higher when it moved a change planned before).
    /// - Throws: `RuntimeError`: 64 for bad input, 4 with the policy's sentence when the policy would refuse the run
    ///   at that time (or its estimate does not fit the window), 1 for the journal.
    public func schedule(_ request: ScheduleRequest) async throws -> ScheduleBook.Entry {
        let inventory = try loader.inventory(path: request.inventoryPath, sshConfig: request.sshConfig)
        let file = try loader.playbook(path: request.playbookPath, inventory: inventory, extraVars: request.extraVars)
        let selected = try loader.selected(in: inventory, limit: request.limit)
        let playbook = file.playbook
        let targets = try RunTargets.resolve(playbook: playbook, inventory: inventory, selected: selected)
        let (policy, _) = try loader.policy(explicit: request.policyPath, inventoryPath: request.inventoryPath)
        let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
        let now = clock.date
        let soak = BatchTime.analysisSoak(RunPlan(playbook: playbook, inventory: inventory, targets: targets))
        let slot: Slot
        switch request.when {
        case .at(let text):
            guard let start = Self.parseTime(text, zone: zone) else {
                throw RuntimeError.invalidInput(
                    "--at '\(text)' is not a time: write 2026-12-13 02:00 (on the policy's clock, \(zone.identifier)) "
                        + "or an instant with its offset, 2026-12-13T02:00Z")
            }
            guard start > now else {
                throw RuntimeError.invalidInput(
                    "--at \(zone.describe(start)) \(zone.identifier) has passed: a schedule is for later (drover run "
                        + "runs now)")
            }
            slot = try Self.check(
                policy: policy, environment: inventory.environment, change: playbook.change, analysisSoak: soak, at: start)
        case .nextWindow:
            slot = try Self.nextWindow(
                policy: policy, environment: inventory.environment, change: playbook.change, analysisSoak: soak,
                after: now)
        }
        let operatorName = identity.operator
        let (book, _) = try await journalCall {
            try await ScheduleBook.update(journal, by: operatorName, now: now) { book in
                let id = playbook.change.id.map { "S-" + $0 } ?? "S-" + RunCoordinator.newRunID(now: now)
                let plan = ScheduledRun(
                    id: id, playbook: playbook.name, playbookPath: file.path, playbookHash: file.sha256,
                    inventoryPath: URL(fileURLWithPath: request.inventoryPath).standardizedFileURL.path,
                    policyPath: request.policyPath.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                    limit: request.limit, environment: inventory.environment, change: playbook.change,
                    hosts: targets.map(\.name), groups: Self.groups(of: targets), rollback: Self.rollbackSummary(playbook),
                    start: slot.start,
                    end: slot.end, window: slot.window, timeZone: zone.identifier,
                    extraVars: request.extraVars.recorded())
                let moved = book.entry(id) != nil
                return [
                    JournalNote(
                        kind: .runScheduled,
                        text: "\(moved ? "moved" : "scheduled") \(plan.title) to \(zone.describe(plan.start)) "
                            + "\(zone.identifier)",
                        hosts: plan.hosts, by: operatorName, schedule: .scheduled(plan))
                ]
            }
        }
        let id = playbook.change.id.map { "S-" + $0 }
        guard let entry = id.flatMap(book.entry) ?? book.entries.last else {
            throw RuntimeError.failed("the schedule book did not keep the new entry")
        }
        return entry
    }

    /// Every planned run in the book, in the order first planned, with where each stands now.
    public func list() async throws -> (entries: [ScheduleBook.Entry], now: Date) {
        let book = try await journalCall { try await ScheduleBook.read(from: journal) }
        return (book.entries, clock.date)
    }

    /// Cancels a planned run.
    /// - Returns: the entry as cancelled, and the sentence naming the environment's next opening (nil when its policy
    ///   cannot be read now).
    /// - Throws: `RuntimeError` 64 for an id the book does not have or a run that started or was cancelled already.
    public func cancel(_ id: String, reason: String) async throws -> (entry: ScheduleBook.Entry, nextOpening: String?) {
        let now = clock.date
        let operatorName = identity.operator
        let (book, _) = try await journalCall {
            try await ScheduleBook.update(journal, by: operatorName, now: now) { book in
                guard let entry = book.entry(id) else {
                    throw RuntimeError.invalidInput("no planned run '\(id)' (drover schedule --list shows them)")
                }
                switch entry.status(at: now) {
                case .cancelled:
                    throw RuntimeError.invalidInput("'\(id)' was cancelled already: \(entry.cancelled?.reason ?? "")")
                case .started:
                    throw RuntimeError.invalidInput(
                        "'\(id)' cannot be cancelled: it started as run \(entry.run ?? "?") (drover stop it there)")
                case .scheduled, .missed:
                    return [
                        JournalNote(
                            kind: .scheduleCancelled, text: "cancelled \(entry.plan.title): \(reason)", by: operatorName,
                            schedule: .cancelled(schedule: id, reason: reason))
                    ]
                }
            }
        }
        let entry = book.entry(id)!
        return (entry, nextOpening(for: entry.plan, after: now))
    }

    /// Links a run starting now to the planned run of its change: the pending entry of the same playbook and
    /// inventory (and change id, when it has one) whose start is at most 30 minutes away or past, and whose end has
    /// not passed.
    /// - Returns: the planned run's entry, or nil when none matches.
    public func link(
        run: String, playbookPath: String, inventoryPath: String, change: ChangeInfo
    ) async throws -> ScheduleBook.Entry? {
        let now = clock.date
        let inventory = URL(fileURLWithPath: inventoryPath).standardizedFileURL.path
        let (book, written) = try await journalCall {
            try await ScheduleBook.update(journal, by: identity.operator, now: now) { book in
                let match = book.entries.filter {
                    $0.status(at: now) == .scheduled && $0.plan.playbookPath == playbookPath
                        && $0.plan.inventoryPath == inventory && (change.id == nil || $0.plan.change.id == change.id)
                        && $0.plan.start.timeIntervalSince(now) <= 30 * 60
                }.min { $0.plan.start < $1.plan.start }
                guard let match else { return [] }
                return [
                    JournalNote(
                        kind: .scheduleStarted, text: "run \(run) started \(match.plan.title)", by: identity.operator,
                        schedule: .started(schedule: match.plan.id, run: run))
                ]
            }
        }
        guard !written.isEmpty else { return nil }
        return book.entries.first { $0.run == run }
    }

    /// The sentence naming the environment's next opening after `instant` under the plan's policy, or nil when the
    /// policy cannot be read.
    func nextOpening(for plan: ScheduledRun, after instant: Date) -> String? {
        guard let (policy, _) = try? loader.policy(explicit: plan.policyPath, inventoryPath: plan.inventoryPath) else {
            return nil
        }
        let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
        guard let slot = try? Self.nextWindow(policy: policy, environment: plan.environment, change: plan.change, after: instant)
        else { return nil }
        let window = slot.window.map { "window '\($0)' " } ?? ""
        return "next opening: \(window)at \(zone.describe(slot.start)) \(zone.identifier)"
    }

    /// The hosts' inventory groups, each once, in the order first met.
    static func groups(of hosts: [DroverModel.Host]) -> [String] {
        var groups: [String] = []
        for host in hosts {
            for group in host.groups where !groups.contains(group) { groups.append(group) }
        }
        return groups
    }

    /// The rollback in one line: which stages have rollback steps.
    static func rollbackSummary(_ playbook: Playbook) -> String {
        let stages = playbook.stages.filter { !$0.rollback.isEmpty }
        guard !stages.isEmpty else { return "no rollback steps: a failed stage is left as it is" }
        let named = stages.map { "\($0.name.source) (\($0.rollback.count) step\($0.rollback.count == 1 ? "" : "s"))" }
        return "rollback steps in \(stages.count) of \(playbook.stages.count) stages: " + named.joined(separator: ", ")
    }

    func journalCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as JournalError {
            throw RuntimeError.failed("\(error)")
        }
    }
}
