public import DroverModel
public import Foundation

/// A run planned for later (`drover schedule`), as the schedule book records it: what will run where, when, and
/// the change's facts a calendar entry and the advance notices show.
///
/// Like `RunRecord`, it holds paths, a hash of the playbook and `-e` as recorded (secrets only as a digest), never
/// file contents or secrets.
public struct ScheduledRun: Sendable, Hashable, Codable {
    /// The schedule's id: `S-` and the change id when the playbook has one (`S-RFC-2026-0042`), else `S-` and a new
    /// run-like id. Scheduling the same change again while it is planned moves it (a new revision), never a second
    /// entry.
    public var id: String
    /// The playbook's `name`.
    public var playbook: String
    /// The playbook file, absolute.
    public var playbookPath: String
    /// SHA-256 of the playbook when it was scheduled (hex).
    public var playbookHash: String
    /// The inventory file, absolute.
    public var inventoryPath: String
    /// `--policy` as given (absolute), nil for `policy.yml` beside the inventory.
    public var policyPath: String?
    public var limit: String
    public var environment: String?
    public var change: ChangeInfo
    /// The hosts the run will touch, in inventory order.
    public var hosts: [String]
    /// Their inventory groups, each once, in the order first met (a status page's components).
    public var groups: [String]
    /// What happens when a stage fails, in one line ("rollback steps in 2 of 4 stages: Update (2 steps), …").
    public var rollback: String
    /// When the run is planned to start.
    public var start: Date
    /// When it must be over: the window's end (where nothing later may start), else the start plus the estimate, at
    /// least one hour. A planned run not started by then is missed.
    public var end: Date
    /// The window the run is planned in, when the policy names one.
    public var window: String?
    /// The policy's zone, for times people read.
    public var timeZone: String
    /// `-e` as recorded.
    public var extraVars: [RunInputs.ExtraVar]

    public init(
        id: String, playbook: String, playbookPath: String, playbookHash: String, inventoryPath: String,
        policyPath: String?, limit: String, environment: String?, change: ChangeInfo, hosts: [String],
        groups: [String] = [], rollback: String, start: Date, end: Date, window: String?, timeZone: String,
        extraVars: [RunInputs.ExtraVar] = []
    ) {
        self.id = id
        self.playbook = playbook
        self.playbookPath = playbookPath
        self.playbookHash = playbookHash
        self.inventoryPath = inventoryPath
        self.policyPath = policyPath
        self.limit = limit
        self.environment = environment
        self.change = change
        self.hosts = hosts
        self.groups = groups
        self.rollback = rollback
        self.start = start
        self.end = end
        self.window = window
        self.timeZone = timeZone
        self.extraVars = extraVars
    }

    /// The change's title, else the playbook's name.
    public var title: String { change.title ?? playbook }
}

/// One fact of the schedule book, carried by its note (`JournalNote.schedule`).
public enum ScheduleFact: Sendable, Hashable, Codable {
    /// A run was planned, or planned again (same id: a new revision).
    case scheduled(ScheduledRun)
    /// The planned run was cancelled.
    case cancelled(schedule: String, reason: String)
    /// A run of the planned change started.
    case started(schedule: String, run: String)
    /// A sender claimed a notice: nobody else sends it unless the claim goes stale (see `ScheduleBook`).
    case claimed(NoticeClaim)
    /// A claimed notice was delivered, or given up on (`error`).
    case sent(key: String, delivered: Bool, error: String?)
    /// A status page made a scheduled maintenance for the planned run: its id there, by the target's index in the
    /// notify settings.
    case incident(schedule: String, target: Int, id: String)
}

/// Who is about to send which notice of a planned run.
public struct NoticeClaim: Sendable, Hashable, Codable {
    /// What the notice is, unique within the book: `S-RFC-2026-0042/r2/advance/72h/0` (schedule, revision, event,
    /// offset, target index).
    public var key: String
    public var schedule: String
    /// The claiming controller (`machine:pid`), so a claim whose process is gone can be told from a live one.
    public var claimant: String
    public var at: Date

    public init(key: String, schedule: String, claimant: String, at: Date) {
        self.key = key
        self.schedule = schedule
        self.claimant = claimant
        self.at = at
    }
}
