import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// Host leases: one run per host, expiry of a dead controller's lease, and explicit breaking.
@Suite struct HostLockTests {
    private func request(_ run: String, _ hosts: [String], pid: Int32 = 100, expires: TimeInterval = 60, takeOver: Bool = false)
        -> LockRequest
    {
        LockRequest(
            run: run, hosts: hosts, operator: run == "r1" ? "alice" : "nightly", controller: "ctl1", pid: pid,
            expiresAt: JournalFixtures.start.addingTimeInterval(expires), takeOverOwnRun: takeOver)
    }

    @Test func secondRunOnAnOverlappingHostIsRefusedNamingTheFirst() throws {
        let journal = try InMemoryJournal.make(clock: SteppingClock(start: JournalFixtures.start, step: 0))
        #expect(try journal.acquireLocks(request("r1", ["app1", "app2"])).isEmpty)
        let conflicts = try journal.acquireLocks(request("r2", ["app2", "app3"], pid: 200))
        #expect(conflicts.map(\.host) == ["app2"])
        #expect(conflicts.first?.run == "r1")
        #expect(conflicts.first?.operator == "alice")
        // All or nothing: r2 got no lease on app3 either.
        #expect(try journal.locks().map(\.run) == ["r1", "r1"])
    }

    @Test func expiredLeaseOfADeadControllerIsTakenOver() throws {
        let clock = SteppingClock(start: JournalFixtures.start, step: 0)
        let journal = try InMemoryJournal.make(clock: clock)
        #expect(try journal.acquireLocks(request("r1", ["app1"], expires: 60)).isEmpty)
        clock.advance(by: 61)
        #expect(try journal.acquireLocks(request("r2", ["app1"], pid: 200, expires: 200)).isEmpty)
        #expect(try journal.locks().first?.run == "r2")
    }

    @Test func renewedLeaseKeepsOtherRunsOut() throws {
        let clock = SteppingClock(start: JournalFixtures.start, step: 0)
        let journal = try InMemoryJournal.make(clock: clock)
        #expect(try journal.acquireLocks(request("r1", ["app1"], expires: 60)).isEmpty)
        try journal.renewLocks(run: "r1", until: JournalFixtures.start.addingTimeInterval(300))
        clock.advance(by: 120)
        #expect(try journal.acquireLocks(request("r2", ["app1"], pid: 200)).count == 1)
    }

    @Test func resumeTakesOverItsOwnRunsLeaseOnlyWhenAsked() throws {
        let journal = try InMemoryJournal.make(clock: SteppingClock(start: JournalFixtures.start, step: 0))
        #expect(try journal.acquireLocks(request("r1", ["app1"], pid: 100)).isEmpty)
        #expect(try journal.acquireLocks(request("r1", ["app1"], pid: 101)).count == 1)
        #expect(try journal.acquireLocks(request("r1", ["app1"], pid: 101, takeOver: true)).isEmpty)
        #expect(try journal.locks().first?.pid == 101)
    }

    @Test func unlockBreaksTheLeaseAndRecordsItInTheHoldersChain() throws {
        let journal = try InMemoryJournal.make(clock: SteppingClock(start: JournalFixtures.start))
        try journal.begin(JournalFixtures.record("r1"))
        #expect(try journal.acquireLocks(request("r1", ["app1", "app2"])).isEmpty)
        let broken = try journal.breakLocks(hosts: ["app2", "app9"], by: "bob")
        #expect(broken.map(\.host) == ["app2"])
        #expect(try journal.locks().map(\.host) == ["app1"])
        let last = try #require(try journal.events(run: "r1").last)
        guard case .note(let note) = try last.entry() else {
            Issue.record("expected a note, got \(last.kind)")
            return
        }
        #expect(note.kind == .lockBroken)
        #expect(note.by == "bob")
        #expect(note.hosts == ["app2"])
        #expect(note.text.contains("held by alice"))
        #expect(try journal.verify(run: "r1").first?.isIntact == true)
    }

    @Test func releasedLeasesFreeTheHosts() throws {
        let journal = try InMemoryJournal.make(clock: SteppingClock(start: JournalFixtures.start, step: 0))
        #expect(try journal.acquireLocks(request("r1", ["app1"])).isEmpty)
        try journal.releaseLocks(run: "r1")
        #expect(try journal.acquireLocks(request("r2", ["app1"], pid: 200)).isEmpty)
    }
}
