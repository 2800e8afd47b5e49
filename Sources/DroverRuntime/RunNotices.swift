public import DroverJournal
public import DroverModel
public import DroverNotify
public import Foundation

/// Stakeholder notices for one run, fed the run's events (the runtime's view of `Notifier`, so tests can record
/// what a run would tell whom).
public protocol RunNotices: Sendable {
    /// Takes one recorded event of the run, in order; never blocks on sending.
    func handle(_ event: RunEvent)
    /// The run is resumed: its facts, without a second `started` notice.
    func resumed(_ run: RunStarted)
    /// The policy refused the run before it started.
    func refused(reason: String)
    /// Waits (bounded) for the notices still queued.
    func finish() async
    /// The window was extended (`drover extend`): sends `extended`.
    func windowExtended(to end: Date, reason: String?)
}

extension RunNotices {
    /// Recorders that do not care about extensions ignore them.
    public func windowExtended(to end: Date, reason: String?) {}
}

extension Notifier: RunNotices {}

/// What a run's notices need to know before it starts.
public struct NoticeRequest: Sendable {
    /// The targets, cadence and templates in force.
    public var settings: NotifySettings
    /// The zone times are shown in.
    public var zone: TimeZone
    public var runID: String
    public var playbook: Playbook
    public var environment: String?
    public var hostCount: Int
    /// The window the run is inside, when one closes.
    public var window: NoticeWindow?
    /// Where deliveries are reported (`RunEvent.notification`), from code that cannot wait.
    public var report: @Sendable (RunEvent) -> Void
    /// Name and address of each host the run touches (what an Alertmanager silence matches).
    public var hosts: [(name: String, address: String)] = []
    /// Queues a note in the run's chain (an Alertmanager silence's id).
    public var note: @Sendable (JournalNote) -> Void = { _ in }
    /// Silences an interrupted attempt left open, which a resume expires.
    public var openSilences: [String] = []
    /// The hosts' inventory groups (a status page's components).
    public var groups: [String] = []
    /// The status page maintenances the run updates (its planned run's, its interrupted attempt's).
    public var incidents = PlannedIncidents()
}

/// Makes a run's notices; nil when nothing is to be sent.
/// - Throws: `RuntimeError` (64) for a template that does not compile.
public typealias NoticeFactory = @Sendable (NoticeRequest) throws -> (any RunNotices)?

extension RunCoordinator {
    /// The notify settings in force: the playbook's own, else the policy's for the environment, else its top level.
    public static func noticeSettings(policy: Policy?, environment: String?, playbook: Playbook) -> NotifySettings? {
        if let own = playbook.notify { return own }
        guard let policy else { return nil }
        return environment.map { policy.notify(for: $0) } ?? policy.notify
    }

    /// Real notices: a `Notifier` sending to the targets of the settings.
    public static let standardNotices: NoticeFactory = { request in
        guard !request.settings.targets.isEmpty else { return nil }
        let templates: NoticeTemplates
        do {
            templates = try NoticeTemplates(overrides: request.settings.templates)
        } catch {
            throw RuntimeError.invalidInput("notify: \(error)")
        }
        let impact: String?
        if case .string(let text)? = request.playbook.vars["impact"] { impact = text } else { impact = nil }
        var facts = RunFacts(
            runID: request.runID, playbook: request.playbook.name, environment: request.environment,
            change: request.playbook.change, hostCount: request.hostCount,
            stageNames: request.playbook.stages.map(\.name.source), impact: impact, timeZone: request.zone,
            startedAt: Date())
        facts.window = request.window
        let silencers = request.settings.targets.map { target -> AlertmanagerSender? in
            guard case .alertmanager(let alertmanager) = target.delivery else { return nil }
            let note = request.note
            return AlertmanagerSender(
                target: alertmanager,
                scope: AlertmanagerSender.Scope(
                    runID: request.runID, changeID: request.playbook.change.id, playbook: request.playbook.name,
                    hosts: request.hosts),
                remember: { id, expired in
                    note(
                        JournalNote(
                            kind: expired ? .silenceExpired : .silenced,
                            text: expired ? "monitoring silence \(id) expired" : "monitoring silenced: silence \(id)",
                            reference: id))
                })
        }
        let senders = zip(request.settings.targets, silencers).enumerated().map { index, pair -> any NoticeSender in
            let (target, silencer) = pair
            if let silencer { return silencer }
            guard case .statuspage(let page) = target.delivery else { return target.sender() }
            let (incidents, note) = (request.incidents, request.note)
            let place = request.environment.map { "[\($0)] " } ?? ""
            return StatuspageSender(
                target: page, name: place + "Maintenance: " + (request.playbook.change.title ?? request.playbook.name),
                components: page.componentIDs(groups: request.groups), incident: { incidents[index] },
                remember: { id in
                    incidents.merge([index: id])
                    note(
                        JournalNote(
                            kind: .statusPageIncident, text: "status page maintenance \(id)", reference: "\(index)/\(id)"))
                })
        }
        let notifier = Notifier(
            settings: request.settings, facts: facts, templates: templates, senders: senders, report: request.report)
        let silencing = silencers.compactMap { $0 }
        guard !silencing.isEmpty else { return notifier }
        return SilencingNotices(
            notifier: notifier, silencers: silencing, openSilences: request.openSilences,
            start: RenderedNotice(Notice(event: .started, facts: facts), text: ""), report: request.report)
    }
}
