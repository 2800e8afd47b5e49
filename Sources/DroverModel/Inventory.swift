/// A resolved inventory: hosts in file order, groups by name, and the environment the policy applies to.
///
/// Invariants: host names are unique (the first of a repeated name is kept); `groups` always holds the implicit
/// `all` and `ungrouped`; each host's `groups` lists every group that contains it, directly or through children.
public struct Inventory: Sendable, Hashable {
    /// Every host, in order of first appearance in the inventory.
    public private(set) var hosts: [Host]
    /// Every group by name, `all` and `ungrouped` included.
    public private(set) var groups: [String: InventoryGroup]
    /// Group names in order of definition: `all`, `ungrouped`, then as the inventory first names them.
    public private(set) var groupNames: [String]
    /// The environment named by `drover_environment` in `all`'s variables (`production`, `staging`…), if any.
    public var environment: String?

    private var hostIndex: [String: Int]
    private var membersByGroup: [String: [Int]]

    /// Creates an inventory; `all` and `ungrouped` are added when `groups` does not hold them.
    public init(hosts: [Host], groups: [InventoryGroup] = [], environment: String? = nil) {
        var uniqueHosts: [Host] = []
        var hostIndex: [String: Int] = [:]
        for host in hosts where hostIndex[host.name] == nil {
            hostIndex[host.name] = uniqueHosts.count
            uniqueHosts.append(host)
        }
        var groupsByName: [String: InventoryGroup] = [:]
        var groupNames: [String] = []
        for implicit in ["all", "ungrouped"] where !groups.contains(where: { $0.name == implicit }) {
            groupsByName[implicit] = InventoryGroup(name: implicit)
            groupNames.append(implicit)
        }
        for group in groups where groupsByName[group.name] == nil {
            groupsByName[group.name] = group
            groupNames.append(group.name)
        }
        var membersByGroup: [String: [Int]] = [:]
        for (index, host) in uniqueHosts.enumerated() {
            for group in Set(host.groups) where group != "all" {
                membersByGroup[group, default: []].append(index)
            }
        }
        self.hosts = uniqueHosts
        self.groups = groupsByName
        self.groupNames = groupNames
        self.environment = environment
        self.hostIndex = hostIndex
        self.membersByGroup = membersByGroup
    }

    /// The host with this inventory name, if any.
    public func host(named name: String) -> Host? {
        hostIndex[name].map { hosts[$0] }
    }

    /// Every host in the group, directly or through its children, in inventory order; empty for an unknown group.
    public func hosts(inGroup name: String) -> [Host] {
        memberIndices(ofGroup: name).map { hosts[$0] }
    }

    /// Indices into `hosts` of the group's members, ascending.
    func memberIndices(ofGroup name: String) -> [Int] {
        if name == "all" { return Array(hosts.indices) }
        return membersByGroup[name] ?? []
    }

    /// The index into `hosts` of the host with this name.
    func index(ofHost name: String) -> Int? {
        hostIndex[name]
    }
}
