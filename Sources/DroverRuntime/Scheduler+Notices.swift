import DroverEngine
import Synchronization
public import DroverJournal
import DroverLoading
public import DroverModel
public import DroverNotify
public import Foundation

extension Scheduler {
    /// How the notices about planned runs reach their targets (tests pass recording senders and short retries).
    public struct NoticeDelivery: Sendable {
        /// The sender for one target.
        public var sender: @Sendable (NotifyTarget) -> any NoticeSender
        public var policy: DeliveryPolicy
        /// `--policy`: read this policy instead of the one recorded with each planned run.
        public var policyPath: String?
        /// The sender for a status page target: its page, the maintenance's name and components, the incident that
        /// exists already, and where a new incident's id goes.
        public var statuspage:
            @Sendable (
                StatuspageTarget, String, [String], @escaping @Sendable () -> String?, @escaping @Sendable (String) -> Void
            ) -> any NoticeSender

        public init(
            sender: @escaping @Sendable (NotifyTarget) -> any NoticeSender = { $0.sender() },
            policy: DeliveryPolicy = .standard, policyPath: String? = nil,
            statuspage: @escaping @Sendable (
                StatuspageTarget, String, [String], @escaping @Sendable () -> String?, @escaping @Sendable (String) -> Void
            ) -> any NoticeSender = { target, name, components, incident, remember in
                StatuspageSender(target: target, name: name, components: components, incident: incident, remember: remember)
            }
        ) {
            self.sender = sender
            self.policy = policy
            self.policyPath = policyPath
            self.statuspage = statuspage
        }
    }

    /// One notice as it fared: which planned run, and the delivery's outcome.
    public struct SentNotice: Sendable, Hashable {
        public var schedule: String
        public var key: String
        public var outcome: DeliveryOutcome
    }

    /// `drover notify-due`: sends every advance notice, reminder and `missed` notice that is due now and that no other
    /// sender has claimed (`DueNotices`), each claim, send, mark (see `ScheduleBook` for what a crash does).
    /// - Returns: each notice sent or given up on, in order.
    public func notifyDue(_ delivery: NoticeDelivery = NoticeDelivery()) async throws -> [SentNotice] {
        let now = clock.date
        let book = try await journalCall { try await ScheduleBook.read(from: journal) }
        var cache: [String: NotifySettings?] = [:]
        for entry in book.entries { cache[entry.plan.id] = settings(for: entry.plan, policyPath: delivery.policyPath) }
        let due = DueNotices.due(in: book, at: now) { cache[$0.id] ?? nil }
        return try await send(due, settings: { cache[$0] ?? nil }, delivery: delivery, now: now)
    }

    /// Tells the targets that subscribe to `event` about a planned run just scheduled or cancelled (claimed and
    /// marked like every notice about a planned run, so the journal records each send).
    public func announce(
        _ entry: ScheduleBook.Entry, event: NotifyEvent, nextOpening: String? = nil,
        _ delivery: NoticeDelivery = NoticeDelivery()
    ) async throws -> [SentNotice] {
        guard let settings = settings(for: entry.plan, policyPath: delivery.policyPath) else { return [] }
        let due = settings.targets.enumerated().filter { $0.element.events.contains(event) }.map {
            DueNotices.Due(
                key: "\(entry.plan.id)/r\(entry.revision)/\(event.rawValue)/\($0.offset)", schedule: entry.plan.id,
                event: event, target: $0.offset)
        }
        return try await send(
            due, settings: { _ in settings }, delivery: delivery, now: clock.date, nextOpening: nextOpening)
    }

    /// Claims `due` in one append (those another sender claimed meanwhile drop out), sends each claimed notice, and
    /// marks them all in one append.
    private func send(
        _ due: [DueNotices.Due], settings: (String) -> NotifySettings?, delivery: NoticeDelivery, now: Date,
        nextOpening: String? = nil
    ) async throws -> [SentNotice] {
        guard !due.isEmpty else { return [] }
        let claimant = "\(identity.machine):\(identity.pid)"
        let operatorName = identity.operator
        let (book, written) = try await journalCall {
            try await ScheduleBook.update(journal, by: operatorName, now: now) { book in
                due.filter { book.claimable($0.key, at: now) }.map {
                    JournalNote(
                        kind: .noticeClaimed, text: "\(claimant) sends the \($0.event.rawValue) notice \($0.key)",
                        schedule: .claimed(NoticeClaim(key: $0.key, schedule: $0.schedule, claimant: claimant, at: now)))
                }
            }
        }
        let claimed = Set(written.compactMap { try? $0.entry() }.compactMap { entry -> String? in
            guard case .note(let note) = entry, case .claimed(let claim)? = note.schedule else { return nil }
            return claim.key
        })
        var sent: [SentNotice] = []
        let incidents = Mutex<[(schedule: String, target: Int, id: String)]>([])
        for notice in due where claimed.contains(notice.key) {
            guard let entry = book.entry(notice.schedule), let settings = settings(notice.schedule),
                notice.target < settings.targets.count
            else { continue }
            let target = settings.targets[notice.target]
            var sender = delivery.sender(target)
            if case .statuspage(let page) = target.delivery {
                let (known, index, schedule) = (entry.incidents[notice.target], notice.target, entry.plan.id)
                sender = delivery.statuspage(
                    page, Self.maintenanceName(entry.plan), page.componentIDs(groups: entry.plan.groups), { known }
                ) { id in incidents.withLock { $0.append((schedule, index, id)) } }
            }
            let outcome: DeliveryOutcome
            do {
                let templates = try NoticeTemplates(overrides: settings.templates)
                let rendered = RenderedNotice(
                    Self.notice(entry, event: notice.event, ahead: notice.ahead, nextOpening: nextOpening, now: now),
                    templates: templates)
                outcome = await delivery.policy.deliver(rendered, via: sender)
            } catch {
                outcome = DeliveryOutcome(
                    event: notice.event, target: sender.shown, delivered: false, attempts: 0, error: "\(error)")
            }
            sent.append(SentNotice(schedule: notice.schedule, key: notice.key, outcome: outcome))
        }
        let marks = sent
        let made = incidents.withLock { $0 }
        try await journalCall {
            try await ScheduleBook.update(journal, by: operatorName, now: clock.date) { _ in
                made.map {
                    JournalNote(
                        kind: .noticeSent, text: "status page maintenance \($0.id) for \($0.schedule)",
                        schedule: .incident(schedule: $0.schedule, target: $0.target, id: $0.id))
                }
                    + marks.map {
                        JournalNote(
                            kind: .noticeSent,
                            text: "\($0.outcome.event.rawValue) notice \($0.key) to \($0.outcome.target): "
                                + ($0.outcome.delivered ? "delivered" : "not delivered: \($0.outcome.error ?? "")"),
                            schedule: .sent(key: $0.key, delivered: $0.outcome.delivered, error: $0.outcome.error))
                    }
            }
        }
        return sent
    }

    /// `[production] Maintenance: Kernel update`: a planned run's name on a status page (the calendar's summary).
    static func maintenanceName(_ plan: ScheduledRun) -> String {
        (plan.environment.map { "[\($0)] " } ?? "") + "Maintenance: " + plan.title
    }

    /// The notify settings in force for a planned run: its playbook's own, else its policy's for its environment
    /// (`policyPath` instead of the recorded policy when given); nil when there are none or they cannot be read.
    func settings(for plan: ScheduledRun, policyPath: String?) -> NotifySettings? {
        let own = try? PlaybookLoader().load(path: plan.playbookPath)
        if let notify = own?.playbook.notify { return notify }
        guard let (policy, _) = try? loader.policy(explicit: policyPath ?? plan.policyPath, inventoryPath: plan.inventoryPath),
            let policy
        else { return nil }
        return plan.environment.map { policy.notify(for: $0) } ?? policy.notify
    }

    /// The notice about a planned run.
    static func notice(
        _ entry: ScheduleBook.Entry, event: NotifyEvent, ahead: Duration?, nextOpening: String?, now: Date
    ) -> Notice {
        let plan = entry.plan
        let facts = RunFacts(
            runID: plan.id, playbook: plan.playbook, environment: plan.environment, change: plan.change,
            hostCount: plan.hosts.count, window: NoticeWindow(name: plan.window, end: plan.end),
            impact: plan.change.impact, timeZone: TimeZone(identifier: plan.timeZone) ?? TimeZone(identifier: "UTC")!,
            startedAt: now)
        return Notice(
            event: event, facts: facts, reason: entry.cancelled?.reason,
            planned: PlannedFacts(
                scheduleID: plan.id, revision: entry.revision, start: plan.start, end: plan.end, title: plan.title,
                contact: plan.change.contact, requestedBy: plan.change.requestedBy, rollback: plan.rollback,
                hosts: plan.hosts, ahead: ahead, nextOpening: nextOpening))
    }
}
