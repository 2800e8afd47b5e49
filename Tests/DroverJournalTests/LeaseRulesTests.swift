import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The lease rules and the liveness judgement, as pure functions.
@Suite struct LeaseRulesTests {
    static let now = JournalFixtures.start
    static let alice = LeaseHolder(run: "r1", operator: "alice", controller: "ctl1", pid: 4242)

    static func lease(
        _ holder: LeaseHolder = alice, expiresIn seconds: TimeInterval = 60, broken: Lease.Break? = nil
    ) -> Lease {
        Lease(
            machine: "127.0.1.5:22", names: ["host005"], holder: holder, acquiredAt: now.addingTimeInterval(-10),
            expiresAt: now.addingTimeInterval(seconds), broken: broken)
    }

    static func request(_ holder: LeaseHolder, takeOverFrom: LeaseHolder? = nil) -> LeaseRequest {
        LeaseRequest(
            holder: holder, targets: [.init(machine: "127.0.1.5:22", names: ["web5"])], takeOverFrom: takeOverFrom)
    }

    struct AcquireCase: Sendable, CustomTestStringConvertible {
        var label: String
        var existing: Lease?
        var request: LeaseRequest
        var granted: Bool
        var testDescription: String { label }
    }

    static let acquireCases: [AcquireCase] = {
        let resume = LeaseHolder(run: "r1", operator: "bob", controller: "ctl1", pid: 5000)
        let other = LeaseHolder(run: "r2", operator: "nightly", controller: "ci", pid: 7)
        return [
            AcquireCase(label: "free", existing: nil, request: request(other), granted: true),
            AcquireCase(label: "held by another run", existing: lease(), request: request(other), granted: false),
            AcquireCase(label: "lapsed", existing: lease(expiresIn: 0), request: request(other), granted: true),
            AcquireCase(
                label: "broken", existing: lease(broken: .init(by: "bob", at: now)), request: request(other),
                granted: true),
            AcquireCase(label: "ours: renewed", existing: lease(), request: request(alice), granted: true),
            AcquireCase(label: "our run, another process", existing: lease(), request: request(resume), granted: false),
            AcquireCase(
                label: "our run, taken over from exactly that holder", existing: lease(),
                request: request(resume, takeOverFrom: alice), granted: true),
            AcquireCase(
                label: "our run, another holder named", existing: lease(),
                request: request(
                    resume, takeOverFrom: LeaseHolder(run: "r1", operator: "alice", controller: "ctl1", pid: 1)),
                granted: false),
            AcquireCase(
                label: "another run never takes over", existing: lease(), request: request(other, takeOverFrom: alice),
                granted: false),
        ]
    }()

    @Test(arguments: acquireCases)
    func acquire(_ test: AcquireCase) {
        let verdict = LeaseRules.acquire(test.existing, for: test.request, now: Self.now)
        #expect((verdict == .grant) == test.granted)
    }

    @Test func aLossSaysWhoBrokeItWhenItLapsedOrWhoHasItNow() {
        func reason(_ current: Lease?) -> String? {
            LeaseRules.loss(
                of: "127.0.1.5:22", names: ["host005"], current: current, holder: Self.alice, now: Self.now)?.reason
        }
        #expect(reason(Self.lease()) == nil)
        #expect(
            reason(Self.lease(broken: .init(by: "bob", at: Self.now)))
                == "bob broke the lease on host005 (127.0.1.5:22) at 2026-11-22T02:00:00.000Z (drover unlock)")
        #expect(
            reason(Self.lease(expiresIn: -5))
                == "the lease on host005 (127.0.1.5:22) lapsed at 2026-11-22T01:59:55.000Z: it was not renewed in time")
        let other = LeaseHolder(run: "r2", operator: "nightly", controller: "ci", pid: 7)
        #expect(reason(Self.lease(other))?.contains("is held by run r2 of nightly (pid 7 on ci)") == true)
        #expect(reason(nil)?.contains("no longer held") == true)
    }

    struct LivenessCase: Sendable, CustomTestStringConvertible {
        var label: String
        var controller: String
        var expiresIn: TimeInterval
        var pidExists: Bool
        var expected: HolderLiveness
        var testDescription: String { label }
    }

    static let livenessCases: [LivenessCase] = [
        LivenessCase(
            label: "same machine, pid exists", controller: "ctl1", expiresIn: 60, pidExists: true, expected: .alive),
        LivenessCase(
            label: "same machine, pid gone", controller: "ctl1", expiresIn: 60, pidExists: false, expected: .dead),
        LivenessCase(
            label: "same machine, gone and expired", controller: "ctl1", expiresIn: -1, pidExists: false,
            expected: .dead),
        LivenessCase(
            label: "another machine, expired", controller: "ctl2", expiresIn: 0, pidExists: true, expected: .lapsed),
        LivenessCase(
            label: "another machine, not expired", controller: "ctl2", expiresIn: 1, pidExists: false,
            expected: .unknown),
    ]

    @Test(arguments: livenessCases)
    func liveness(_ test: LivenessCase) {
        let holder = LeaseHolder(run: "r1", operator: "alice", controller: test.controller, pid: 4242)
        let verdict = HolderLiveness.judge(
            Self.lease(holder, expiresIn: test.expiresIn), now: Self.now, thisMachine: "ctl1",
            processExists: { pid in
                #expect(pid == 4242)
                return test.pidExists
            })
        #expect(verdict == test.expected)
        #expect(verdict.mayBeWorking == [.alive, .unknown].contains(test.expected))
    }
}

/// The lease keeper: renews every ttl/3 on the clock it is given and reports each lost lease once.
@Suite struct LeaseKeeperTests {
    @Test func renewsOnItsCadenceAndReportsABrokenLeaseOnce() async throws {
        let wall = SteppingClock(start: JournalFixtures.start, step: 0)
        let journal = InMemoryJournal(now: wall.now)
        let holder = LeaseHolder(run: "r1", operator: "alice", controller: "ctl1", pid: 1)
        let fence = LeaseFence(holder: holder, machines: ["app1": "10.0.0.1:22", "app2": "10.0.0.2:22"])
        #expect(
            try await journal.acquireLeases(LeaseRequest(holder: holder, targets: fence.targets, ttl: .seconds(60)))
                .isEmpty)
        let clock = ManualClock()
        let reports = AsyncStream.makeStream(of: [LeaseLoss].self)
        let keeper = LeaseKeeper(journal: journal, fence: fence, ttl: .seconds(60), clock: clock) { losses in
            reports.continuation.yield(losses)
        }
        // First renewal, 20 s in: both held, now until 80 s.
        await clock.waitForSleepers()
        wall.advance(by: 20)
        clock.advance(by: .seconds(20))
        await clock.waitForSleepers()
        #expect(try await journal.leases().allSatisfy { $0.expiresAt == JournalFixtures.start.addingTimeInterval(80) })
        // app2's lease is broken: the next renewal reports it, with the run's name for it.
        let app2 = try #require(try await journal.leases().last)
        #expect(try await journal.breakLeases([app2], by: "bob").count == 1)
        wall.advance(by: 20)
        clock.advance(by: .seconds(20))
        var iterator = reports.stream.makeAsyncIterator()
        let lost = try #require(await iterator.next())
        #expect(lost.map(\.machine) == ["10.0.0.2:22"])
        #expect(lost.first?.names == ["app2"])
        #expect(lost.first?.reason.contains("bob broke the lease") == true)
        // Later renewals keep app1 and do not report app2 again.
        await clock.waitForSleepers()
        wall.advance(by: 20)
        clock.advance(by: .seconds(20))
        await clock.waitForSleepers()
        #expect(try await journal.leases().first?.expiresAt == JournalFixtures.start.addingTimeInterval(120))
        await keeper.stop()
        reports.continuation.finish()
        #expect(await iterator.next() == nil)
    }
}
