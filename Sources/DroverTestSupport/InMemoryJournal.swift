public import DroverJournal
import DroverModel
public import Foundation
import Synchronization

/// A journal of plain values in memory: a real second backend, not a wrapper around SQLite. It applies the same
/// rules every backend applies (`JournalProjection`, `AppendRules`, `LeaseRules`, `LeaseNotes`, `EventChain`) and
/// passes the same conformance suite; its clock is the test's.
///
/// Every call is all or nothing: a write works on a copy of the state and keeps it only when it succeeds.
public final class InMemoryJournal: Journal {
    private struct StepKey: Hashable {
        var stage: Int
        var phase: StepRef.Phase
        var step: Int
        var host: String

        init(_ ref: StepRef) {
            stage = ref.stage
            phase = ref.phase
            step = ref.step
            host = ref.host
        }
    }

    private struct StepRow {
        var result: StepResult
        var sequence: Int
    }

    private struct State {
        var runs: [String: RunRecord] = [:]
        var events: [String: [JournalEvent]] = [:]
        var steps: [String: [StepKey: StepRow]] = [:]
        var decisions: [String: [(sequence: Int, decision: Decision)]] = [:]
        var leases: [String: Lease] = [:]
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Date

    /// - Parameter now: the journal's clock (events are stamped and leases judged by it).
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.clock = now
    }

    /// A fresh, empty journal whose events are stamped by `clock`.
    public static func make(clock: SteppingClock = SteppingClock()) -> InMemoryJournal {
        InMemoryJournal(now: { clock.now() })
    }

    /// Decisions as recorded, for tests of the projection.
    public func decisions(run: String) -> [Decision] {
        state.withLock { $0.decisions[run, default: []].map(\.decision) }
    }

    /// Runs `body` on a copy of the state; keeps the copy only when `body` returns.
    private func transaction<T>(_ body: (inout State) throws -> T) throws -> T {
        try state.withLock { current in
            var copy = current
            let value = try body(&copy)
            current = copy
            return value
        }
    }

    public func now() async throws -> Date { clock() }

    // MARK: Runs

    public func begin(_ run: RunRecord) async throws {
        try transaction { state in
            guard state.runs[run.id] == nil else {
                throw JournalError(.duplicateRun, "the journal already has a run '\(run.id)'")
            }
            var record = run
            // As a backend stores it: millisecond times, running, an empty chain.
            record.startedAt = EventChain.date(EventChain.timestamp(run.startedAt)) ?? run.startedAt
            record.status = nil
            record.finishedAt = nil
            record.reason = nil
            record.duration = nil
            record.head = .empty
            state.runs[run.id] = record
            state.events[run.id] = []
        }
    }

    public func restore(_ run: RunRecord, events: [JournalEvent]) async throws {
        try await begin(run)
        try transaction { state in
            guard var record = state.runs[run.id] else { throw JournalError.unknownRun(run.id) }
            for event in events {
                for change in JournalProjection.changes(restoring: event, runStartedAt: record.startedAt) {
                    Self.apply(change, run: run.id, record: &record, state: &state)
                }
            }
            record.head = ChainHead(count: events.count, hash: events.last?.hash ?? EventChain.genesis)
            state.runs[run.id] = record
            state.events[run.id] = events
        }
    }

    public func run(_ id: String) async throws -> RunRecord? {
        state.withLock { $0.runs[id] }
    }

    public func runs(since: Date?) async throws -> [RunRecord] {
        let floor = since.map(EventChain.timestamp) ?? ""
        return state.withLock { state in
            state.runs.values.filter { EventChain.timestamp($0.startedAt) >= floor }.sorted {
                ($0.startedAt, $0.id) > ($1.startedAt, $1.id)
            }
        }
    }

    // MARK: Events

    @discardableResult
    public func append(_ entries: [JournalEntry], run: String, at sequence: Int?, fence: LeaseFence?) async throws
        -> [JournalEvent]
    {
        let payloads = try entries.map { entry in
            do {
                return try entry.canonicalPayload()
            } catch {
                throw JournalError(.writeFailed, "cannot encode a '\(entry.kind)' event: \(error)")
            }
        }
        return try transaction { state in
            try Self.append(
                Array(zip(entries, payloads)), run: run, at: sequence, fence: fence, clock: clock, state: &state)
        }
    }

    private static func append(
        _ entries: [(entry: JournalEntry, payload: String)], run: String, at first: Int?, fence: LeaseFence?,
        clock: () -> Date, state: inout State
    ) throws -> [JournalEvent] {
        guard var record = state.runs[run] else { throw JournalError.unknownRun(run) }
        var chain = state.events[run, default: []]
        var stored: [JournalEvent] = []
        if let first {
            stored = try AppendRules.alreadyStored(
                entries.map { ($0.entry.kind, $0.payload) }, run: run, at: first, head: chain.count
            ) { number in chain.indices.contains(number - 1) ? chain[number - 1] : nil }
        }
        let pending = entries.dropFirst(stored.count)
        if pending.isEmpty { return stored }
        let moment = clock()
        if let fence {
            let losses = LeaseRules.fence(pending.map(\.entry), with: fence, now: moment) { state.leases[$0] }
            if !losses.isEmpty { throw LeaseRules.error(losses, run: run) }
        }
        let timestamp = EventChain.timestamp(moment)
        for (entry, payload) in pending {
            let sequence = chain.count + 1
            let previous = chain.last?.hash ?? EventChain.genesis
            let event = JournalEvent(
                run: run, sequence: sequence, timestamp: timestamp, kind: entry.kind, payload: payload,
                previousHash: previous,
                hash: EventChain.hash(
                    previous: previous, run: run, sequence: sequence, time: timestamp, kind: entry.kind,
                    payload: payload))
            chain.append(event)
            stored.append(event)
            let context = JournalProjection.Context(
                run: run, sequence: sequence, timestamp: timestamp, runStartedAt: record.startedAt)
            for change in JournalProjection.changes(for: entry, in: context) {
                apply(change, run: run, record: &record, state: &state)
            }
        }
        record.head = ChainHead(count: chain.count, hash: chain.last?.hash ?? EventChain.genesis)
        state.runs[run] = record
        state.events[run] = chain
        return stored
    }

    /// Applies one change of `JournalProjection` to the values.
    private static func apply(
        _ change: JournalProjection.Change, run: String, record: inout RunRecord, state: inout State
    ) {
        switch change {
        case .runStarted(let environment, let hostCount):
            record.environment = environment
            record.hostCount = hostCount
        case .runFinished(let status, let reason, let finishedAt, let duration):
            record.status = status
            record.reason = reason
            record.finishedAt = finishedAt
            record.duration = duration
        case .runReopened:
            record.status = nil
            record.finishedAt = nil
            record.reason = nil
        case .stepStarted(let result, let sequence):
            state.steps[run, default: [:]][StepKey(result.ref)] = StepRow(result: result, sequence: sequence)
        case .stepFinished(let result, let sequence):
            let key = StepKey(result.ref)
            let existing = state.steps[run, default: [:]][key]
            var row = StepRow(result: result, sequence: existing?.sequence ?? sequence)
            // The row keeps what its start wrote: who, where, when.
            if let started = existing?.result {
                row.result.ref = started.ref
                row.result.startedAt = started.startedAt
            }
            state.steps[run, default: [:]][key] = row
        case .decision(let decision, let sequence):
            state.decisions[run, default: []].append((sequence, decision))
        }
    }

    public func events(run: String, after sequence: Int) async throws -> [JournalEvent] {
        state.withLock { Array($0.events[run, default: []].drop { $0.sequence <= sequence }) }
    }

    public func stepResults(run: String) async throws -> [StepResult] {
        state.withLock { $0.steps[run, default: [:]].values.sorted { $0.sequence < $1.sequence }.map(\.result) }
    }

    // MARK: Leases

    public func acquireLeases(_ request: LeaseRequest) async throws -> [LeaseConflict] {
        let moment = clock()
        return try transaction { state in
            let conflicts = request.targets.compactMap { target -> LeaseConflict? in
                guard
                    case .conflict(let held) = LeaseRules.acquire(
                        state.leases[target.machine], for: request, now: moment)
                else { return nil }
                return LeaseConflict(wanted: target, held: held)
            }
            guard conflicts.isEmpty else { return conflicts }
            let expires = LeaseRules.expiry(now: moment, ttl: request.ttl)
            for target in request.targets {
                state.leases[target.machine] = Lease(
                    machine: target.machine, names: target.names, holder: request.holder,
                    acquiredAt: Self.stored(moment), expiresAt: Self.stored(expires))
            }
            return []
        }
    }

    public func renewLeases(_ holder: LeaseHolder, machines: [String], ttl: Duration) async throws -> LeaseRenewal {
        let moment = clock()
        return try transaction { state in
            var renewal = LeaseRenewal(held: [], lost: [])
            for machine in machines {
                let current = state.leases[machine]
                let names = current.flatMap { $0.holder.isSameHolder(as: holder) ? $0.names : nil } ?? []
                if let loss = LeaseRules.loss(of: machine, names: names, current: current, holder: holder, now: moment)
                {
                    renewal.lost.append(loss)
                } else if var lease = current {
                    lease.expiresAt = Self.stored(LeaseRules.expiry(now: moment, ttl: ttl))
                    state.leases[machine] = lease
                    renewal.held.append(lease)
                }
            }
            return renewal
        }
    }

    public func releaseLeases(_ holder: LeaseHolder) async throws {
        state.withLock { state in
            state.leases = state.leases.filter { !$0.value.holder.isSameHolder(as: holder) }
        }
    }

    public func breakLeases(_ leases: [Lease], by operator: String) async throws -> [Lease] {
        let moment = clock()
        return try transaction { state in
            var broken: [Lease] = []
            for wanted in leases {
                guard var current = state.leases[wanted.machine], current.broken == nil,
                    current.holder.isSameHolder(as: wanted.holder)
                else { continue }
                broken.append(current)
                current.broken = Lease.Break(by: `operator`, at: Self.stored(moment))
                state.leases[wanted.machine] = current
            }
            for (run, note) in LeaseNotes.broken(broken, by: `operator`) where state.runs[run] != nil {
                let entry = JournalEntry.note(note)
                _ = try Self.append(
                    [(entry, try entry.canonicalPayload())], run: run, at: nil, fence: nil, clock: clock,
                    state: &state)
            }
            return broken
        }
    }

    public func leases() async throws -> [Lease] {
        state.withLock { $0.leases.values.sorted { $0.machine < $1.machine } }
    }

    /// A time as a backend stores it (milliseconds).
    private static func stored(_ date: Date) -> Date { EventChain.date(EventChain.timestamp(date)) ?? date }
}
