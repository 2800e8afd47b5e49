/// One host of the inventory, with its groups, variables and connection settings resolved.
public struct Host: Sendable, Hashable, Codable {
    /// The inventory name (`app01.prod.example`).
    public var name: String
    public var connection: ConnectionSettings
    /// Every group the host belongs to, directly or through `children`.
    ///
    /// `all` comes first, then the others in the order their variables were merged: by depth below `all`, then by
    /// `ansible_group_priority`, then by name (so a later group's variables won over an earlier one's).
    public var groups: [String]
    /// The host's variables, merged as Ansible merges them: `all` < parent group < child group < host.
    ///
    /// Groups at the same depth merge in name order (after `ansible_group_priority`); a key set by a later
    /// source replaces the earlier value whole (Ansible's default `hash_behaviour=replace`).
    public var vars: [String: InventoryValue]

    public init(
        name: String,
        connection: ConnectionSettings,
        groups: [String] = [],
        vars: [String: InventoryValue] = [:]
    ) {
        self.name = name
        self.connection = connection
        self.groups = groups
        self.vars = vars
    }
}

extension Host {
    /// The name a step's `delegate_to` gives the controller itself when the inventory names no host so (Ansible's
    /// implicit localhost): the step runs as a local process, without SSH.
    public static let controllerName = "localhost"

    /// The controller as a host a step can be delegated to (`delegate_to: localhost`); the runtime's transport runs
    /// its steps locally. Port 0: never an SSH target.
    public static let controller = Host(
        name: controllerName, connection: ConnectionSettings(address: "127.0.0.1", port: 0, user: ""),
        groups: [], vars: [:])

    /// True for `Host.controller`: reached by a local process, never over SSH.
    public var isController: Bool { name == Self.controllerName && connection.port == 0 }
}
