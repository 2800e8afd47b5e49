import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization
import Testing

// One file over the ~400-line guide on purpose: every case a backend must pass, in one place, so a new backend is
// checked against all of them by adding one `Backend`.

/// A journal backend under test: how to make a fresh, empty one on a clock the test moves, and a second handle on
/// the same store (another connection, as a second controller has), for races.
struct Backend: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable (SteppingClock) async throws -> (journal: any Journal, sibling: @Sendable () async throws -> any Journal)
    var testDescription: String { name }

    static let all: [Backend] = [
        Backend(name: "SQLite") { clock in
            let path = try JournalFixtures.temporaryDirectory() + "/journal.sqlite"
            return (try SQLiteJournal(path: path, now: clock.now), { try SQLiteJournal(path: path, now: clock.now) })
        },
        Backend(name: "in-memory") { clock in
            let journal = InMemoryJournal(now: clock.now)
            return (journal, { journal })
        },
        // A database of its own per test case on the private cluster `Scripts/test` starts (DROVER_TEST_POSTGRES).
        Backend(name: "PostgreSQL") { clock in
            let url = try await PostgresTestCluster.freshDatabase("conformance")
            return (
                try await PostgresTestCluster.open(url, now: clock.now),
                { try await PostgresTestCluster.open(url, now: clock.now) }
            )
        },
    ]
}

/// The cases every journal backend must pass (SPEC §6 and §9): the PostgreSQL backend runs the same ones.
@Suite struct JournalConformanceTests {
    let run = JournalFixtures.record().id
    let events = JournalFixtures.rolledBackRun

    /// A fresh journal with the fixture run begun, on a clock that moves only when told.
    private func journal(_ backend: Backend) async throws -> (any Journal, SteppingClock) {
        let (journal, clock, _) = try await journalWithSibling(backend)
        return (journal, clock)
    }

    /// The same, and a way to open a second handle on it (another connection).
    private func journalWithSibling(_ backend: Backend) async throws
        -> (any Journal, SteppingClock, @Sendable () async throws -> any Journal)
    {
        let clock = SteppingClock(start: JournalFixtures.start, step: 0)
        let (journal, sibling) = try await backend.make(clock)
        try await journal.begin(JournalFixtures.record())
        return (journal, clock, sibling)
    }

    private func holder(_ run: String = JournalFixtures.record().id, pid: Int32 = 100, controller: String = "ctl1")
        -> LeaseHolder
    {
        LeaseHolder(
            run: run, operator: run == JournalFixtures.record().id ? "alice" : "nightly", controller: controller,
            pid: pid)
    }

    private func target(_ machine: String, _ names: String...) -> LeaseRequest.Target {
        LeaseRequest.Target(machine: machine, names: names)
    }

    // MARK: Runs and the chain

    @Test(arguments: Backend.all)
    func aRunIsRecordedOnceWithItsInputs(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        var second = JournalFixtures.record("second")
        second.inputs = RunInputs(
            extraVars: [
                .init(name: "release", value: "2.0.0"), .init(name: "db_password", value: nil, digest: "sha256:ab:cd"),
            ],
            targetsDigest: String(repeating: "e", count: 64))
        try await journal.begin(second)
        let error = await #expect(throws: JournalError.self) { try await journal.begin(JournalFixtures.record()) }
        #expect(error?.code == .duplicateRun)
        let stored = try #require(try await journal.run("second"))
        #expect(stored.inputs == second.inputs)
        #expect(stored.status == nil && stored.head == .empty)
        #expect(stored.outline == second.outline && stored.change == second.change)
        #expect(try await journal.run("nope") == nil)
        #expect(try await journal.runs(since: nil).map(\.id).sorted() == ["20261122-020000-beef", "second"])
        #expect(try await journal.runs(since: JournalFixtures.start.addingTimeInterval(1)).isEmpty)
    }

    @Test(arguments: Backend.all)
    func appendsChainEachEventToTheOneBefore(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        try await journal.append(events[0..<3].map { .event($0) }, run: run)
        try await journal.append(.event(events[3]), run: run)
        let stored = try await journal.events(run: run)
        #expect(stored.map(\.sequence) == [1, 2, 3, 4])
        #expect(stored.first?.previousHash == EventChain.genesis)
        for (previous, next) in zip(stored, stored.dropFirst()) { #expect(next.previousHash == previous.hash) }
        #expect(try await journal.run(run)?.head == ChainHead(count: 4, hash: stored[3].hash))
        #expect(try await journal.verify(run: run).first?.isIntact == true)
        #expect(try await journal.events(run: run, after: 2).map(\.sequence) == [3, 4])
        let error = await #expect(throws: JournalError.self) {
            try await journal.append(.event(events[0]), run: "nope")
        }
        #expect(error?.code == .unknownRun)
    }

    @Test(arguments: Backend.all)
    func aRetriedAppendAtTheSameNumbersWritesNothingTwice(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        let first = try await journal.append(events[0..<2].map { .event($0) }, run: run, at: 1, fence: nil)
        // The commit's acknowledgement was lost: the writer sends the same entries again, at the same numbers.
        let retried = try await journal.append(events[0..<2].map { .event($0) }, run: run, at: 1, fence: nil)
        #expect(retried == first)
        // A retry that also carries the next entries writes only those.
        let more = try await journal.append(events[0..<4].map { .event($0) }, run: run, at: 1, fence: nil)
        #expect(Array(more.prefix(2)) == first)
        #expect(more.map(\.sequence) == [1, 2, 3, 4])
        #expect(try await journal.events(run: run).count == 4)
        #expect(try await journal.verify(run: run).first?.isIntact == true)
    }

    @Test(arguments: Backend.all)
    func aForeignWriterMakesTheNumberedAppendFailWithoutWritingIt(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        try await journal.append([.event(events[0])], run: run, at: 1, fence: nil)
        try await journal.append(.note(JournalNote(kind: .lockBroken, text: "bob broke a lease", by: "bob")), run: run)
        let error = await #expect(throws: JournalError.self) {
            try await journal.append([.event(events[1]), .event(events[2])], run: run, at: 2, fence: nil)
        }
        #expect(error?.code == .sequenceTaken)
        // A number past the next free one is refused too: the writer's idea of the chain is wrong.
        let past = await #expect(throws: JournalError.self) {
            try await journal.append([.event(events[1])], run: run, at: 9, fence: nil)
        }
        #expect(past?.code == .sequenceTaken)
        #expect(try await journal.events(run: run).map(\.kind) == ["run_started", "lock_broken"])
        // After re-reading the head, the rest goes after it.
        let written = try await journal.append([.event(events[1]), .event(events[2])], run: run, at: 3, fence: nil)
        #expect(written.map(\.sequence) == [3, 4])
    }

    @Test(arguments: Backend.all)
    func aGroupAppendIsAllOrNothing(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        let holder = holder()
        let fence = LeaseFence(holder: holder, machines: ["app1": "10.0.0.1:22", "app2": "10.0.0.2:22"])
        #expect(
            try await journal.acquireLeases(LeaseRequest(holder: holder, targets: [target("10.0.0.1:22", "app1")]))
                .isEmpty)
        let ok = JournalFixtures.ref(1, 0, 0, "Switch release", "app1")
        let unleased = JournalFixtures.ref(1, 0, 0, "Switch release", "app2")
        // app2 is one of the run's hosts but not leased: the whole group is refused.
        let error = await #expect(throws: JournalError.self) {
            try await journal.append(
                [.event(events[0]), .event(.stepStarted(ok)), .event(.stepStarted(unleased))], run: run, at: 1,
                fence: fence)
        }
        #expect(error?.code == .leaseLost)
        #expect(error?.losses.map(\.machine) == ["10.0.0.2:22"])
        #expect(try await journal.events(run: run).isEmpty)
        #expect(try await journal.stepResults(run: run).isEmpty)
        #expect(try await journal.run(run)?.head == .empty)
    }

    @Test(arguments: Backend.all)
    func followingARunYieldsWhatAnotherWriterStoresInOrder(_ backend: Backend) async throws {
        let (journal, _, sibling) = try await journalWithSibling(backend)
        try await journal.append(events[0..<2].map { .event($0) }, run: run)
        let watcher = try await sibling()
        var iterator = watcher.follow(run: run, after: 1, heartbeat: .milliseconds(300)).makeAsyncIterator()
        // It catches up on what was stored after the number it was given…
        #expect(try await iterator.next()?.map(\.sequence) == [2])
        // …then yields what another handle stores, in order (batches may be split or merged; empty ones are
        // heartbeats). The bound only stops a follower that hangs.
        try await journal.append(events[2..<4].map { .event($0) }, run: run)
        try await journal.append(.event(events[4]), run: run)
        var seen: [Int] = []
        for _ in 0..<50 where seen.count < 3 {
            guard let batch = try await iterator.next() else { break }
            seen += batch.map(\.sequence)
        }
        #expect(seen == [3, 4, 5])
        // Nothing more stored: a heartbeat (an empty batch) comes.
        #expect(try await iterator.next() == [])
    }

    // MARK: Fencing

    @Test(arguments: Backend.all)
    func fencingRefusesAStepOnAMachineTheHolderNoLongerHolds(_ backend: Backend) async throws {
        let (journal, clock) = try await journal(backend)
        let holder = holder()
        let fence = LeaseFence(
            holder: holder,
            machines: ["app1": "10.0.0.1:22", "web1": "10.0.0.1:22", "app2": "10.0.0.2:22", "app3": "10.0.0.3:22"])
        #expect(
            try await journal.acquireLeases(LeaseRequest(holder: holder, targets: fence.targets, ttl: .seconds(60)))
                .isEmpty)
        func start(_ host: String, delegatedTo: String? = nil) async throws -> [JournalEvent] {
            var ref = JournalFixtures.ref(1, 0, 0, "Switch release", host)
            ref.delegatedTo = delegatedTo
            return try await journal.append([.event(.stepStarted(ref))], run: run, at: nil, fence: fence)
        }
        #expect(try await start("app1").count == 1)
        // Broken: who and when.
        let app2 = try #require(try await journal.leases().first { $0.machine == "10.0.0.2:22" })
        #expect(try await journal.breakLeases([app2], by: "bob").count == 1)
        let broken = await #expect(throws: JournalError.self) { try await start("app2") }
        #expect(broken?.code == .leaseLost)
        #expect(
            broken?.losses.first?.reason.contains(
                "bob broke the lease on app2 (10.0.0.2:22) at 2026-11-22T02:00:00.000Z") == true,
            "\(broken?.losses ?? [])")
        // Taken by another run after the break.
        #expect(
            try await journal.acquireLeases(
                LeaseRequest(holder: self.holder("other", pid: 7), targets: [target("10.0.0.2:22", "db2")])
            ).isEmpty)
        let taken = await #expect(throws: JournalError.self) { try await start("app2") }
        #expect(
            taken?.losses.first?.reason.contains("held by run other of nightly (pid 7 on ctl1)") == true,
            "\(taken?.losses ?? [])")
        // Lapsed: the journal's clock passed its expiry.
        clock.advance(by: 61)
        let lapsed = await #expect(throws: JournalError.self) { try await start("web1") }
        #expect(
            lapsed?.losses.first?.reason.contains("lapsed at 2026-11-22T02:01:00.000Z") == true,
            "\(lapsed?.losses ?? [])")
        #expect(lapsed?.message.contains("app1, web1 (10.0.0.1:22)") == true, "\(lapsed?.message ?? "")")
        // A step delegated to a host the run does not lease (a load balancer) is not fenced; one delegated to a
        // leased host is fenced on that host.
        #expect(try await start("app3", delegatedTo: "lb1").count == 1)
        await #expect(throws: JournalError.self) { try await start("lb1", delegatedTo: "app1") }
        #expect(try await journal.events(run: run).filter { $0.kind == "step_started" }.count == 2)
    }

    // MARK: Leases

    @Test(arguments: Backend.all)
    func aMachineUnderTwoNamesIsLeasedOnce(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        let first = holder()
        let second = holder("other", pid: 200)
        #expect(
            try await journal.acquireLeases(
                LeaseRequest(
                    holder: first, targets: [target("127.0.1.1:22", "host001"), target("127.0.1.2:22", "host002")])
            ).isEmpty)
        let conflicts = try await journal.acquireLeases(
            LeaseRequest(holder: second, targets: [target("127.0.1.1:22", "web1"), target("127.0.1.3:22", "host003")]))
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.wanted.names == ["web1"])
        #expect(conflicts.first?.held.names == ["host001"])
        #expect(conflicts.first?.held.holder == first)
        #expect(conflicts.first?.held.expiresAt == JournalFixtures.start.addingTimeInterval(120))
        // All or nothing: the second run got no lease on host003 either.
        #expect(try await journal.leases().map(\.holder.run) == [run, run])
        // The holder asking again renews its own leases.
        #expect(
            try await journal.acquireLeases(LeaseRequest(holder: first, targets: [target("127.0.1.1:22", "host001")]))
                .isEmpty)
    }

    @Test(arguments: Backend.all)
    func expiryIsJudgedByTheJournalsClock(_ backend: Backend) async throws {
        let (journal, clock) = try await journal(backend)
        let request = LeaseRequest(holder: holder(), targets: [target("127.0.1.1:22", "host001")], ttl: .seconds(60))
        #expect(try await journal.acquireLeases(request).isEmpty)
        let other = LeaseRequest(holder: holder("other", pid: 200), targets: [target("127.0.1.1:22", "host001")])
        clock.advance(by: 59)
        #expect(try await journal.acquireLeases(other).count == 1)
        clock.advance(by: 1)
        #expect(try await journal.now() == JournalFixtures.start.addingTimeInterval(60))
        #expect(try await journal.acquireLeases(other).isEmpty)
        #expect(try await journal.leases().first?.holder.run == "other")
    }

    @Test(arguments: Backend.all)
    func renewalExtendsWhatIsHeldAndReportsWhatWasLost(_ backend: Backend) async throws {
        let (journal, clock) = try await journal(backend)
        let holder = holder()
        let machines = ["127.0.1.1:22", "127.0.1.2:22", "127.0.1.3:22"]
        let targets = zip(machines, ["host001", "host002", "host003"]).map { target($0, $1) }
        #expect(
            try await journal.acquireLeases(LeaseRequest(holder: holder, targets: targets, ttl: .seconds(60))).isEmpty)
        let host2 = try #require(try await journal.leases().first { $0.machine == machines[1] })
        #expect(try await journal.breakLeases([host2], by: "bob").count == 1)
        clock.advance(by: 40)
        let renewal = try await journal.renewLeases(holder, machines: machines, ttl: .seconds(60))
        #expect(renewal.held.map(\.machine) == [machines[0], machines[2]])
        #expect(renewal.held.allSatisfy { $0.expiresAt == JournalFixtures.start.addingTimeInterval(100) })
        #expect(renewal.lost.map(\.machine) == [machines[1]])
        #expect(renewal.lost.first?.reason.contains("bob broke the lease") == true)
        // Not renewed in time: lapsed, and not revived by a late renewal.
        clock.advance(by: 61)
        let late = try await journal.renewLeases(holder, machines: [machines[0]], ttl: .seconds(60))
        #expect(late.held.isEmpty)
        #expect(late.lost.first?.reason.contains("lapsed") == true)
    }

    @Test(arguments: Backend.all)
    func aRunsLeasesAreTakenOverOnlyFromTheNamedDeadHolder(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        let dead = holder(pid: 100)
        let targets = [target("127.0.1.1:22", "host001")]
        #expect(try await journal.acquireLeases(LeaseRequest(holder: dead, targets: targets)).isEmpty)
        let resume = holder(pid: 101)
        #expect(try await journal.acquireLeases(LeaseRequest(holder: resume, targets: targets)).count == 1)
        #expect(
            try await journal.acquireLeases(
                LeaseRequest(holder: resume, targets: targets, takeOverFrom: holder(pid: 99))
            ).count == 1)
        // Another run may not take over, even naming the dead holder.
        #expect(
            try await journal.acquireLeases(
                LeaseRequest(holder: holder("other", pid: 5), targets: targets, takeOverFrom: dead)
            ).count == 1)
        #expect(
            try await journal.acquireLeases(LeaseRequest(holder: resume, targets: targets, takeOverFrom: dead)).isEmpty)
        #expect(try await journal.leases().first?.holder == resume)
    }

    @Test(arguments: Backend.all)
    func ofTwoRacingTakeoversExactlyOneWins(_ backend: Backend) async throws {
        let (journal, _, sibling) = try await journalWithSibling(backend)
        // Two handles, as two controllers have: on a server or a file, two connections really race.
        let other = try await sibling()
        let dead = holder(pid: 100)
        let targets = [target("127.0.1.1:22", "host001"), target("127.0.1.2:22", "host002")]
        #expect(try await journal.acquireLeases(LeaseRequest(holder: dead, targets: targets)).isEmpty)
        for round in 0..<20 {
            let a = holder(pid: Int32(1000 + round * 2))
            let b = holder(pid: Int32(1001 + round * 2))
            let current = try #require(try await journal.leases().first?.holder)
            async let first = journal.acquireLeases(LeaseRequest(holder: a, targets: targets, takeOverFrom: current))
            async let second = other.acquireLeases(LeaseRequest(holder: b, targets: targets, takeOverFrom: current))
            let results = try await [first, second]
            #expect(results.filter(\.isEmpty).count == 1, "round \(round): \(results)")
            let winner = results[0].isEmpty ? a : b
            #expect(try await journal.leases().allSatisfy { $0.holder == winner })
            // The loser is told who won.
            #expect(results.first { !$0.isEmpty }?.first?.held.holder == winner)
        }
    }

    @Test(arguments: Backend.all)
    func breakingALeaseRecordsWhoDidItInTheHoldersChain(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        let holder = holder()
        #expect(
            try await journal.acquireLeases(
                LeaseRequest(
                    holder: holder, targets: [target("127.0.1.1:22", "host001"), target("127.0.1.2:22", "host002")])
            ).isEmpty)
        let leases = try await journal.leases()
        let broken = try await journal.breakLeases([leases[1]], by: "bob")
        #expect(broken.map(\.machine) == ["127.0.1.2:22"])
        // A lease read before it changed hands is not broken.
        #expect(try await journal.breakLeases([leases[1]], by: "bob").isEmpty)
        var stale = leases[0]
        stale.holder.pid = 999
        #expect(try await journal.breakLeases([stale], by: "bob").isEmpty)
        let after = try await journal.leases()
        #expect(after.first { $0.machine == "127.0.1.2:22" }?.broken?.by == "bob")
        #expect(after.first { $0.machine == "127.0.1.1:22" }?.broken == nil)
        let last = try #require(try await journal.events(run: run).last)
        guard case .note(let note) = try last.entry() else {
            Issue.record("expected a note, got \(last.kind)")
            return
        }
        #expect(note.kind == .lockBroken)
        #expect(note.by == "bob")
        #expect(note.hosts == ["host002"])
        #expect(note.text.contains("held by alice, pid 100 on ctl1"))
        #expect(try await journal.verify(run: run).first?.isIntact == true)
        // A broken lease is free for others.
        #expect(
            try await journal.acquireLeases(
                LeaseRequest(holder: self.holder("other", pid: 1), targets: [target("127.0.1.2:22", "db")])
            ).isEmpty)
    }

    @Test(arguments: Backend.all)
    func releasingFreesOnlyTheHoldersLeases(_ backend: Backend) async throws {
        let (journal, _) = try await journal(backend)
        #expect(try await journal.acquireLeases(LeaseRequest(holder: holder(), targets: [target("a:22", "a")])).isEmpty)
        #expect(
            try await journal.acquireLeases(
                LeaseRequest(holder: holder("other", pid: 2), targets: [target("b:22", "b")])
            ).isEmpty)
        try await journal.releaseLeases(holder(pid: 3))
        #expect(try await journal.leases().count == 2)
        try await journal.releaseLeases(holder())
        #expect(try await journal.leases().map(\.machine) == ["b:22"])
    }

    // MARK: The projection's rows

    @Test(arguments: Backend.all)
    func derivedRowsFollowTheProjection(_ backend: Backend) async throws {
        let (journal, clock) = try await journal(backend)
        for event in events {
            clock.advance(by: 1)
            try await journal.append(.event(event), run: run)
        }
        let record = try #require(try await journal.run(run))
        #expect(record.status == .rolledBack)
        #expect(record.finishedAt == JournalFixtures.start.addingTimeInterval(Double(events.count)))
        #expect(record.duration == .seconds(events.count))
        #expect(record.reason?.hasPrefix("halted (batch 2") == true)
        let results = try await journal.stepResults(run: run)
        #expect(results.count == 12)
        let health = try #require(results.first { $0.ref.host == "app3" && $0.ref.name == "Health gate" })
        #expect(health.status == .failed && health.exitStatus == 3 && health.attempts == 3)
        #expect(health.stderrTail == "health check timed out\n")
        #expect(health.duration == .seconds(9))
        #expect(results.first?.ref.host == "app1")
        // A resume reopens the run; a refusal or a needed person ends it.
        try await journal.append(.note(JournalNote(kind: .resumed, text: "resumed")), run: run)
        #expect(try await journal.run(run)?.status == nil)
        try await journal.append(.note(JournalNote(kind: .needsAttention, text: "app3 needs attention")), run: run)
        #expect(try await journal.run(run)?.status == .interrupted)
        #expect(try await journal.run(run)?.reason == "app3 needs attention")
    }

    // MARK: Copying a history

    @Test(arguments: Backend.all)
    func aCopiedRunReadsAsTheOriginalAndVerifies(_ backend: Backend) async throws {
        // The source is another backend (SQLite for every target but SQLite, which copies from in-memory).
        let sourceClock = SteppingClock(start: JournalFixtures.start, step: 0)
        let source: any Journal = backend.name == "SQLite"
            ? InMemoryJournal(now: sourceClock.now)
            : try SQLiteJournal(path: try JournalFixtures.temporaryDirectory() + "/source.sqlite", now: sourceClock.now)
        try await source.begin(JournalFixtures.record())
        for event in events {
            sourceClock.advance(by: 1)
            try await source.append(.event(event), run: run)
        }
        try await source.begin(JournalFixtures.record("20261123-020000-cafe"))
        try await source.append(.event(events[0]), run: "20261123-020000-cafe")
        let clock = SteppingClock(start: JournalFixtures.start.addingTimeInterval(86_400), step: 0)
        let (target, _) = try await backend.make(clock)

        let outcomes = try await JournalCopy.copy(from: source, to: target)
        #expect(outcomes.map(\.run) == [run, "20261123-020000-cafe"])
        #expect(outcomes.map(\.outcome) == [.copied(events: events.count), .copied(events: 1)])
        // Record, chain (times and hashes as they were), derived rows: the same; the chain verifies.
        #expect(try await target.run(run) == source.run(run))
        #expect(try await target.events(run: run) == source.events(run: run))
        #expect(try await target.stepResults(run: run) == source.stepResults(run: run))
        #expect(try await target.verify().allSatisfy(\.isIntact))
        #expect(try await target.runs(since: nil).map(\.id) == source.runs(since: nil).map(\.id))
        // Copying again skips what is there; a copy is appended to like any run.
        #expect(try await JournalCopy.copy(from: source, to: target).map(\.outcome) == [.skipped, .skipped])
        try await target.append(.note(JournalNote(kind: .resumed, text: "resumed")), run: run)
        #expect(try await target.verify(run: run).first?.isIntact == true)
    }

    @Test(arguments: Backend.all)
    func aRunWhoseChainDoesNotVerifyIsNotCopied(_ backend: Backend) async throws {
        let (target, _) = try await backend.make(SteppingClock(start: JournalFixtures.start, step: 0))
        let source = ChainEditingJournal()
        try await source.begin(JournalFixtures.record())
        try await source.append(events[0..<3].map { .event($0) }, run: run)
        source.alter(run: run, sequence: 2)
        let outcomes = try await JournalCopy.copy(from: source, to: target)
        guard case .refused(let problem) = outcomes.first?.outcome else {
            Issue.record("copied a tampered run: \(outcomes)")
            return
        }
        #expect(problem.sequence == 2)
        #expect(try await target.run(run) == nil)
    }
}

/// An in-memory journal whose stored events a test can alter (as someone editing the database would).
private final class ChainEditingJournal: JournalWrapper, @unchecked Sendable {
    let base: any Journal = InMemoryJournal(now: { JournalFixtures.start })
    private let altered = Mutex<Set<Int>>([])

    func alter(run: String, sequence: Int) { altered.withLock { _ = $0.insert(sequence) } }

    func events(run: String, after sequence: Int) async throws -> [JournalEvent] {
        let changed = altered.withLock { $0 }
        return try await base.events(run: run, after: sequence).map { event in
            var event = event
            if changed.contains(event.sequence) { event.payload = event.payload.replacingOccurrences(of: "app", with: "APP") }
            return event
        }
    }
}
