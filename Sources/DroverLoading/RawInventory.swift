import DroverModel

/// An inventory as written, before any Ansible semantics are applied: what a format parser (`INIInventoryParser`,
/// `YAMLInventoryParser`) and `VarsDirectoryLoader` (`group_vars/`, `host_vars/`) produce and `InventoryResolver`
/// turns into an `Inventory`.
///
/// Everything keeps the place it came from, so the resolver's errors can name `file:line:col`. Later assignments
/// of a variable replace earlier ones; groups and hosts keep the order in which they were first named. Variables
/// from the inventory file (`vars`) and from vars files (`fileVars`) are kept apart, as Ansible layers them.
struct RawInventory {
    /// A variable assignment and where its value was written.
    struct Variable: Hashable {
        var name: String
        var value: InventoryValue
        var location: SourceLocation
    }

    /// A child group as listed under a parent.
    struct ChildReference: Hashable {
        var name: String
        var location: SourceLocation
    }

    struct Group {
        var name: String
        /// Where the group was defined (`[name]` or `[name:children]` in INI); nil while it is only referenced.
        var definedAt: SourceLocation?
        /// `all` and `ungrouped`, which exist without being defined.
        var isImplicit = false
        /// Where a `[name:vars]` section first set its variables, for the error when the group is never defined.
        var varsAt: SourceLocation?
        /// Direct member hosts, in order of first mention, without repeats.
        var hosts: [String] = []
        var hostSet: Set<String> = []
        var children: [ChildReference] = []
        var vars: [String: Variable] = [:]
        /// Variables from `group_vars/<name>` files, which override `vars`.
        var fileVars: [String: Variable] = [:]

        var isDefined: Bool { isImplicit || definedAt != nil }
    }

    struct Host {
        var name: String
        /// Where the host was first named.
        var location: SourceLocation
        var vars: [String: Variable] = [:]
        /// Variables from `host_vars/<name>` files, which override `vars`.
        var fileVars: [String: Variable] = [:]
        /// Groups that name the host directly, in order of first mention.
        var groups: [String] = []
    }

    private(set) var groupOrder: [String] = []
    private(set) var groups: [String: Group] = [:]
    private(set) var hostOrder: [String] = []
    private(set) var hosts: [String: Host] = [:]

    init() {
        for name in ["all", "ungrouped"] {
            var group = Group(name: name)
            group.isImplicit = true
            groups[name] = group
            groupOrder.append(name)
        }
    }

    /// Creates the group if it is new; returns nothing, as groups are addressed by name.
    private mutating func ensureGroup(_ name: String) {
        if groups[name] == nil {
            groups[name] = Group(name: name)
            groupOrder.append(name)
        }
    }

    /// Records that a section defines the group (the first definition's place is kept).
    mutating func defineGroup(_ name: String, at location: SourceLocation) {
        ensureGroup(name)
        if groups[name]!.definedAt == nil { groups[name]!.definedAt = location }
    }

    /// Records that a `vars` section names the group, defined or not (yet).
    mutating func noteGroupVars(_ name: String, at location: SourceLocation) {
        ensureGroup(name)
        if groups[name]!.varsAt == nil { groups[name]!.varsAt = location }
    }

    mutating func setGroupVariable(_ group: String, _ variable: Variable) {
        ensureGroup(group)
        groups[group]!.vars[variable.name] = variable
    }

    /// Lists `child` under `parent` (the child need not exist yet; the resolver checks it does in the end).
    mutating func addChild(_ child: String, to parent: String, at location: SourceLocation) {
        ensureGroup(parent)
        ensureGroup(child)
        if !groups[parent]!.children.contains(where: { $0.name == child }) {
            groups[parent]!.children.append(ChildReference(name: child, location: location))
        }
    }

    /// Adds a host (if new) to a group (if not already there); `all` is not recorded as a direct group.
    mutating func addHost(_ name: String, to group: String, at location: SourceLocation) {
        if hosts[name] == nil {
            hosts[name] = Host(name: name, location: location)
            hostOrder.append(name)
        }
        guard group != "all" else { return }
        ensureGroup(group)
        if groups[group]!.hostSet.insert(name).inserted {
            groups[group]!.hosts.append(name)
            hosts[name]!.groups.append(group)
        }
    }

    mutating func setHostVariable(_ host: String, _ variable: Variable) {
        hosts[host]?.vars[variable.name] = variable
    }

    /// Sets a variable from a `group_vars/` file; ignored for a group the inventory never names.
    mutating func setGroupFileVariable(_ group: String, _ variable: Variable) {
        groups[group]?.fileVars[variable.name] = variable
    }

    /// Sets a variable from a `host_vars/` file; ignored for a host the inventory never names.
    mutating func setHostFileVariable(_ host: String, _ variable: Variable) {
        hosts[host]?.fileVars[variable.name] = variable
    }
}
