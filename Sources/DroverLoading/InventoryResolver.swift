import DroverModel

/// Applies Ansible's inventory semantics to a `RawInventory`: group definitions and children, depth and
/// variable precedence, `ungrouped`, connection settings, and the password rule. Format-independent, so INI,
/// YAML and `group_vars/` sources share it.
///
/// Precedence, lowest first, in Ansible's layers: the inventory file's group variables (`all`, then every other
/// group the host is in, ordered by depth below `all`, then `ansible_group_priority` (default 1), then name); then
/// `group_vars/` files in the same group order; then the host's variables in the inventory file; then its
/// `host_vars/` files. So `group_vars/all.yml` overrides a child group's variable set in the inventory file, as in
/// Ansible. Depth is the longest chain of `children` from `all`; only the inventory file's
/// `ansible_group_priority` orders groups (Ansible ignores it in `group_vars/`). A literal `ansible_password`
/// anywhere is an error at its place, whether or not a host uses it.
struct InventoryResolver {
    /// The most group lookups resolving may make before the inventory is called too complex (adversarial input).
    static let maximumWork = 20_000_000

    var connections: ConnectionResolver

    /// The inventory, or nil with every error found added to `errors`.
    func resolve(_ raw: RawInventory, errors: inout ErrorCollector) -> Inventory? {
        let graph = GroupGraph(raw, errors: &errors)
        checkSecrets(raw, defined: graph.index, errors: &errors)

        var priorities: [Int] = graph.names.map { name in
            guard let variable = raw.groups[name]!.vars["ansible_group_priority"] else { return 1 }
            switch variable.value {
            case .int(let number): return number
            case .string(let text) where Int(text) != nil: return Int(text)!
            default:
                errors.add(.invalidValue, "ansible_group_priority must be a whole number", at: variable.location)
                return 1
            }
        }
        priorities[graph.allIndex] = 0
        // Precedence order of every group: depth, priority, name.
        let order = graph.names.indices.sorted {
            (graph.depth[$0], priorities[$0], graph.names[$0]) < (graph.depth[$1], priorities[$1], graph.names[$1])
        }
        var rank = [Int](repeating: 0, count: graph.names.count)
        for (position, group) in order.enumerated() { rank[group] = position }

        var hosts: [Host] = []
        var directMembers = [[String]](repeating: [], count: graph.names.count)
        var ungroupedMembers: [String] = []
        var memo: [[Int]: (groups: [Int], vars: ConnectionResolver.Variables)] = [:]
        var work = 0
        for name in raw.hostOrder {
            let rawHost = raw.hosts[name]!
            var direct = rawHost.groups.compactMap { graph.index[$0] }.filter { $0 != graph.ungroupedIndex }
            if direct.isEmpty {
                direct = [graph.ungroupedIndex]
                ungroupedMembers.append(name)
            }
            for group in direct where group != graph.ungroupedIndex { directMembers[group].append(name) }
            let key = direct.sorted()
            if memo[key] == nil {
                // Every ancestor of the direct groups, `all` included, in precedence order.
                var seen = Set(key)
                var queue = key
                var position = 0
                while position < queue.count {
                    for parent in graph.parents[queue[position]] where seen.insert(parent).inserted {
                        queue.append(parent)
                    }
                    position += 1
                    work += 1
                }
                work += queue.count
                let groups = queue.sorted { rank[$0] < rank[$1] }
                var vars: ConnectionResolver.Variables = [:]
                for layer in [\RawInventory.Group.vars, \RawInventory.Group.fileVars] {
                    for group in groups {
                        let groupVars = raw.groups[graph.names[group]]![keyPath: layer]
                        work += groupVars.count
                        vars.merge(groupVars) { _, later in later }
                    }
                }
                memo[key] = (groups, vars)
            }
            guard work <= Self.maximumWork else {
                errors.add(
                    LoadError(
                        .limitExceeded, "the groups are nested too intricately to resolve; stopping here",
                        at: rawHost.location))
                return nil
            }
            let (groups, groupVars) = memo[key]!
            let vars = groupVars.merging(rawHost.vars) { _, host in host }.merging(rawHost.fileVars) { _, file in file }
            switch connections.resolve(hostName: name, vars: vars) {
            case .success(let connection):
                hosts.append(
                    Host(
                        name: name, connection: connection, groups: groups.map { graph.names[$0] },
                        vars: vars.mapValues(\.value)))
            case .failure(let list):
                for error in list.errors { errors.add(error) }
            }
        }

        var groups: [InventoryGroup] = []
        for (index, name) in graph.names.enumerated() {
            let children: [String]
            if index == graph.allIndex {
                children = graph.names.indices.filter { graph.parents[$0] == [graph.allIndex] }.map { graph.names[$0] }
            } else {
                children = graph.children[index].map { graph.names[$0] }
            }
            let members = index == graph.ungroupedIndex ? ungroupedMembers : directMembers[index]
            groups.append(
                InventoryGroup(
                    name: name, hosts: members, children: children,
                    vars: Self.groupVariables(raw.groups[name]!).mapValues(\.value)))
        }

        var environment: String?
        if let variable = Self.groupVariables(raw.groups["all"]!)["drover_environment"] {
            switch variable.value {
            case .string(let text) where !text.isEmpty: environment = text
            case .int(let number): environment = String(number)
            default:
                errors.add(
                    .invalidValue, "drover_environment must name an environment such as production",
                    at: variable.location)
            }
        }

        guard errors.isEmpty else { return nil }
        return Inventory(hosts: hosts, groups: groups, environment: environment)
    }

    /// A group's own variables: the inventory file's, overridden by its `group_vars/` files.
    private static func groupVariables(_ group: RawInventory.Group) -> ConnectionResolver.Variables {
        group.vars.merging(group.fileVars) { _, file in file }
    }

    /// Reports every literal password in the inventory, once each, without repeating it.
    private func checkSecrets(_ raw: RawInventory, defined: [String: Int], errors: inout ErrorCollector) {
        var variables: [RawInventory.Variable] = []
        for name in raw.groupOrder where defined[name] != nil {
            variables += raw.groups[name]!.vars.values
            variables += raw.groups[name]!.fileVars.values
        }
        for name in raw.hostOrder {
            variables += raw.hosts[name]!.vars.values
            variables += raw.hosts[name]!.fileVars.values
        }
        for variable in variables where ConnectionResolver.passwordVariables.contains(variable.name) {
            guard connections.isLiteralPassword(variable.value) else { continue }
            errors.add(
                .literalSecret,
                "\(variable.name) holds a literal password, and Drover keeps no secrets in inventories: set "
                    + "drover_password_env=VAR (an environment variable) or drover_password_file=PATH (a file) "
                    + "instead",
                at: variable.location)
        }
        for variable in variables where ConnectionResolver.becomePasswordVariables.contains(variable.name) {
            guard connections.isLiteralPassword(variable.value) else { continue }
            errors.add(
                .literalSecret,
                "\(variable.name) holds a literal password, and Drover keeps no secrets in inventories: set "
                    + "drover_become_password_env=VAR (an environment variable) or write it as "
                    + "{{ lookup('env', 'VAR') }} instead",
                at: variable.location)
        }
    }
}
