/// A maintenance procedure: ordered stages run against inventory hosts, with change metadata for the policy.
///
/// Invariant: stage names are unique within a playbook (the journal and `resume` address stages by index and name).
public struct Playbook: Sendable, Hashable, Codable {
    /// What the playbook does, as people call it ("Weekly application update").
    public var name: String
    public var change: ChangeInfo
    /// Playbook variables; they win over inventory variables of the same name.
    public var vars: [String: InventoryValue]
    public var stages: [Stage]
    /// The file the playbook was read from, as the user named it (relative paths in steps are taken from its
    /// directory).
    public var path: String
    /// The playbook's own `notify:`; when present it replaces the policy's for runs of this playbook.
    public var notify: NotifySettings?

    public init(
        name: String, change: ChangeInfo = ChangeInfo(), vars: [String: InventoryValue] = [:], stages: [Stage],
        path: String = "", notify: NotifySettings? = nil
    ) {
        self.name = name
        self.change = change
        self.vars = vars
        self.stages = stages
        self.path = path
        self.notify = notify
    }
}

/// The `change:` block: what kind of change this is, its ticket and approver, and how long it should take.
public struct ChangeInfo: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case routine, normal, major, emergency
    }

    public var type: Kind
    /// The change request id, `RFC-YYYY-NNNN`.
    public var id: String?
    public var approvedBy: String?
    /// The planned duration: window fit before the first batch, overrun detection, the variance KPI.
    public var estimate: Duration?
    /// What the change is, in a few words (`title:`; the calendar and notices fall back to the playbook's name).
    /// Optional fields are not stored when nil, so records written before they existed hash as they did.
    public var title: String?
    /// Who asked for the change (`requested_by:`).
    public var requestedBy: String?
    /// What users notice while the work goes on (`impact:`).
    public var impact: String?
    /// Whom to ask about it (`contact:`).
    public var contact: String?

    public init(
        type: Kind = .routine, id: String? = nil, approvedBy: String? = nil, estimate: Duration? = nil,
        title: String? = nil, requestedBy: String? = nil, impact: String? = nil, contact: String? = nil
    ) {
        self.type = type
        self.id = id
        self.approvedBy = approvedBy
        self.estimate = estimate
        self.title = title
        self.requestedBy = requestedBy
        self.impact = impact
        self.contact = contact
    }
}
