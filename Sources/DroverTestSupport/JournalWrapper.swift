public import DroverJournal
public import DroverModel
public import Foundation

/// A journal that hands every call to `base` but those a test replaces (a write that fails after committing, a
/// server that goes away, stored events altered): a test double declares only what it changes. `follow` stays the
/// protocol's polling one, so it reads through the wrapper's own `events`.
public protocol JournalWrapper: Journal {
    var base: any Journal { get }
}

extension JournalWrapper {
    public func begin(_ run: RunRecord) async throws { try await base.begin(run) }

    public func append(_ entries: [JournalEntry], run: String, at sequence: Int?, fence: LeaseFence?) async throws
        -> [JournalEvent]
    { try await base.append(entries, run: run, at: sequence, fence: fence) }

    public func run(_ id: String) async throws -> RunRecord? { try await base.run(id) }
    public func runs(since: Date?) async throws -> [RunRecord] { try await base.runs(since: since) }

    public func events(run: String, after sequence: Int) async throws -> [JournalEvent] {
        try await base.events(run: run, after: sequence)
    }

    public func stepResults(run: String) async throws -> [StepResult] { try await base.stepResults(run: run) }
    public func now() async throws -> Date { try await base.now() }
    public func acquireLeases(_ request: LeaseRequest) async throws -> [LeaseConflict] {
        try await base.acquireLeases(request)
    }

    public func renewLeases(_ holder: LeaseHolder, machines: [String], ttl: Duration) async throws -> LeaseRenewal {
        try await base.renewLeases(holder, machines: machines, ttl: ttl)
    }

    public func releaseLeases(_ holder: LeaseHolder) async throws { try await base.releaseLeases(holder) }
    public func breakLeases(_ leases: [Lease], by operator: String) async throws -> [Lease] {
        try await base.breakLeases(leases, by: `operator`)
    }

    public func leases() async throws -> [Lease] { try await base.leases() }
    public func restore(_ run: RunRecord, events: [JournalEvent]) async throws {
        try await base.restore(run, events: events)
    }
}
