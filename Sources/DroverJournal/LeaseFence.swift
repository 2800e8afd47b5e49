import DroverModel

/// The fencing check an append carries: the holder (its token) and the machines its run leases, by the inventory
/// names steps use.
///
/// An append with a fence checks, in the same transaction, that the holder still holds the lease on the machine of
/// each `step_started` it writes (the step's `delegatedTo ?? host`, when that name is one of `machines`; a step
/// delegated to a host the run does not lease, such as a load balancer, is not fenced). If not, nothing of the
/// append is written and it throws `JournalError` `.leaseLost` naming the machines.
public struct LeaseFence: Sendable, Hashable {
    public var holder: LeaseHolder
    /// Inventory name → machine key, for the run's leased hosts.
    public var machines: [String: String]

    public init(holder: LeaseHolder, machines: [String: String]) {
        self.holder = holder
        self.machines = machines
    }

    /// The inventory name a `step_started` entry is fenced on, or nil when it is not fenced.
    public func fencedName(of entry: JournalEntry) -> String? {
        guard case .event(.stepStarted(let ref)) = entry else { return nil }
        let name = ref.delegatedTo ?? ref.host
        return machines[name] == nil ? nil : name
    }

    /// The machines a request for these names leases: names grouped by machine key, sorted by key.
    public var targets: [LeaseRequest.Target] {
        Dictionary(grouping: machines, by: \.value).map { machine, pairs in
            LeaseRequest.Target(machine: machine, names: pairs.map(\.key))
        }.sorted { $0.machine < $1.machine }
    }
}
