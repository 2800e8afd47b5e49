/// One group of the inventory as written: its direct hosts, its child groups and its own variables.
///
/// Hosts reached through children are not listed here; `Host.groups` and `Inventory.hosts(inGroup:)` give the
/// transitive view.
public struct InventoryGroup: Sendable, Hashable, Codable {
    public var name: String
    /// Hosts placed in this group directly, in inventory order.
    public var hosts: [String]
    /// Groups listed as this group's children, in the order they were declared.
    public var children: [String]
    /// The group's own variables, before any merging.
    public var vars: [String: InventoryValue]

    public init(name: String, hosts: [String] = [], children: [String] = [], vars: [String: InventoryValue] = [:]) {
        self.name = name
        self.hosts = hosts
        self.children = children
        self.vars = vars
    }
}
