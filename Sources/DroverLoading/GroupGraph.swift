/// The defined groups and their `children` edges, checked: references to undefined groups and cycles are
/// reported and left out, so what remains is a graph rooted at `all` with no cycles.
struct GroupGraph {
    /// Defined group names, `all` and `ungrouped` first, then in order of first mention.
    private(set) var names: [String] = []
    private(set) var index: [String: Int] = [:]
    /// Children of each group, in declared order, after dropping bad edges.
    private(set) var children: [[Int]] = []
    /// Parents of each group; a group no other group names has `all` as its only parent.
    private(set) var parents: [[Int]] = []
    /// The longest chain of children from `all` (which is 0).
    private(set) var depth: [Int] = []
    let allIndex = 0
    let ungroupedIndex = 1

    init(_ raw: RawInventory, errors: inout ErrorCollector) {
        for name in raw.groupOrder {
            let group = raw.groups[name]!
            if group.isDefined {
                index[name] = names.count
                names.append(name)
            } else if let varsAt = group.varsAt {
                errors.add(
                    .undefinedGroup,
                    "[\(name):vars] sets variables for group \(MessageText.quoted(name)), which is never defined "
                        + "(add a [\(name)] or [\(name):children] section)",
                    at: varsAt)
            }
        }
        children = Array(repeating: [], count: names.count)
        var edgeLocations: [[SourceLocation]] = Array(repeating: [], count: names.count)
        for (parent, name) in names.enumerated() {
            for child in raw.groups[name]!.children {
                guard let childIndex = index[child.name] else {
                    errors.add(
                        .undefinedGroup,
                        "[\(name):children] names group \(MessageText.quoted(child.name)), which is never defined",
                        at: child.location)
                    continue
                }
                if childIndex == allIndex {
                    errors.add(
                        .groupCycle, "'all' holds every group, so it cannot be a child of \(MessageText.quoted(name))",
                        at: child.location)
                    continue
                }
                children[parent].append(childIndex)
                edgeLocations[parent].append(child.location)
            }
        }
        breakCycles(edgeLocations: edgeLocations, errors: &errors)

        parents = Array(repeating: [], count: names.count)
        for (parent, list) in children.enumerated() {
            for child in list { parents[child].append(parent) }
        }
        for group in names.indices where group != allIndex && parents[group].isEmpty {
            parents[group] = [allIndex]
        }
        computeDepths()
    }

    /// Depth-first search without recursion; each edge that closes a cycle is reported and removed.
    private mutating func breakCycles(edgeLocations: [[SourceLocation]], errors: inout ErrorCollector) {
        enum Mark { case unvisited, active, done }
        var marks = [Mark](repeating: .unvisited, count: names.count)
        var removed = Set<[Int]>()
        for root in names.indices where marks[root] == .unvisited {
            var stack: [(group: Int, next: Int)] = [(root, 0)]
            marks[root] = .active
            while let top = stack.last {
                let group = top.group
                guard top.next < children[group].count else {
                    marks[group] = .done
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let child = children[group][top.next]
                switch marks[child] {
                case .unvisited:
                    marks[child] = .active
                    stack.append((child, 0))
                case .active:
                    let start = stack.firstIndex { $0.group == child }!
                    let path = (stack[start...].map(\.group) + [child]).map { names[$0] }.joined(separator: " -> ")
                    errors.add(
                        .groupCycle, "groups form a cycle through children: \(path)",
                        at: edgeLocations[group][top.next])
                    removed.insert([group, top.next])
                case .done:
                    break
                }
            }
        }
        for edge in removed.sorted(by: { ($0[0], $0[1]) > ($1[0], $1[1]) }) {
            children[edge[0]].remove(at: edge[1])
        }
    }

    /// Longest path from `all`, in topological order (Kahn's algorithm; the graph has no cycles now).
    private mutating func computeDepths() {
        depth = Array(repeating: 0, count: names.count)
        var remaining = parents.map(\.count)
        var edges: [[Int]] = Array(repeating: [], count: names.count)
        for (child, list) in parents.enumerated() {
            for parent in list { edges[parent].append(child) }
        }
        var ready = names.indices.filter { remaining[$0] == 0 }
        while let group = ready.popLast() {
            for child in edges[group] {
                depth[child] = max(depth[child], depth[group] + 1)
                remaining[child] -= 1
                if remaining[child] == 0 { ready.append(child) }
            }
        }
    }
}
