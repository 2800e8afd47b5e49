/// Leases one holder asks for: every machine, all or nothing, for `ttl` by the journal's clock.
public struct LeaseRequest: Sendable, Hashable {
    /// One machine and the inventory names the run uses for it.
    public struct Target: Sendable, Hashable {
        /// The machine key (`ConnectionSettings.machineKey`).
        public var machine: String
        public var names: [String]

        public init(machine: String, names: [String]) {
            self.machine = machine
            self.names = names.sorted()
        }
    }

    public var holder: LeaseHolder
    public var targets: [Target]
    /// How long the leases last without renewal (SPEC §9: 2 minutes by default).
    public var ttl: Duration
    /// Also take over this run's own leases from exactly this holder, which the caller has judged dead (a resume).
    /// A lease of the same run held by any other holder is still a conflict; leases of other runs always are.
    public var takeOverFrom: LeaseHolder?

    public init(
        holder: LeaseHolder, targets: [Target], ttl: Duration = LeaseKeeper.defaultTTL, takeOverFrom: LeaseHolder? = nil
    ) {
        self.holder = holder
        self.targets = targets
        self.ttl = ttl
        self.takeOverFrom = takeOverFrom
    }
}

/// A machine a request wanted that another holder has: ours and theirs, so a refusal names both sides.
public struct LeaseConflict: Sendable, Hashable {
    /// What we asked for (our names for the machine).
    public var wanted: LeaseRequest.Target
    /// The lease in the way (their names, their holder, its expiry).
    public var held: Lease

    public init(wanted: LeaseRequest.Target, held: Lease) {
        self.wanted = wanted
        self.held = held
    }
}
