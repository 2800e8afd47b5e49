import DroverModel
public import Foundation

/// What a notice about a planned run (`scheduled`, `advance`, `reminder`, `cancelled`, `missed`) tells besides the
/// run's facts: when it is planned, who to ask, what happens if it fails, and how far ahead this notice is.
public struct PlannedFacts: Sendable, Hashable {
    /// The schedule's id (`S-RFC-2026-0042`) and its revision (0 when first planned).
    public var scheduleID: String
    public var revision: Int
    public var start: Date
    /// When it must be over (the window's end).
    public var end: Date
    /// The change's title, else the playbook's name.
    public var title: String
    public var contact: String?
    public var requestedBy: String?
    /// The rollback summary.
    public var rollback: String
    public var hosts: [String]
    /// For `advance` and `reminder`: how long before the start it is due.
    public var ahead: Duration?
    /// For `cancelled`: the environment's next opening, in words.
    public var nextOpening: String?

    public init(
        scheduleID: String, revision: Int, start: Date, end: Date, title: String, contact: String? = nil,
        requestedBy: String? = nil, rollback: String = "", hosts: [String] = [], ahead: Duration? = nil,
        nextOpening: String? = nil
    ) {
        self.scheduleID = scheduleID
        self.revision = revision
        self.start = start
        self.end = end
        self.title = title
        self.contact = contact
        self.requestedBy = requestedBy
        self.rollback = rollback
        self.hosts = hosts
        self.ahead = ahead
        self.nextOpening = nextOpening
    }
}
