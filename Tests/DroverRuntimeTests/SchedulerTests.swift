import DroverEngine
import DroverJournal
import DroverModel
import DroverRuntime
import DroverTestSupport
import Foundation
import Testing

/// Planned runs (SPEC section 11) on an in-memory journal and a manual clock: the policy as `run` judges it at the
/// planned time, the schedule book's revisions, cancelling, linking a run, and missing one.
@Suite struct SchedulerTests {
    /// Tuesday 2026-11-24 12:00 UTC.
    static let tuesdayNoon = ISO8601DateFormatter().date(from: "2026-11-24T12:00:00Z")!

    static let policy = """
        timezone: UTC
        environments:
          test:
            windows:
              - { name: Sunday, days: [sun], start: "02:00", end: "06:00" }
            blackouts:
              - { name: Year-end freeze, yearly: "12-28..01-05" }
            change_types:
              normal: { approval: true }
        """

    static func playbook(estimate: String = "1h", id: String = "RFC-2026-0042", type: String = "routine") -> String {
        """
        name: Kernel update
        change:
          type: \(type)
          id: \(id)
          estimate: \(estimate)
          title: Kernel 6.12 on the app tier
          impact: one app server out of the pool at a time
        stages:
          - name: Update
            hosts: all
            serial: 1
            steps:
              - run: echo update
            rollback:
              - run: echo back
        """
    }

    struct Files {
        let harness: RuntimeHarness
        let inventory: String
        let playbook: String

        init(start: Date = SchedulerTests.tuesdayNoon, playbook: String = SchedulerTests.playbook()) throws {
            harness = try RuntimeHarness(start: start)
            inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
            try harness.write("policy.yml", SchedulerTests.policy)
            self.playbook = try harness.write("play.yml", playbook)
        }

        var scheduler: Scheduler {
            Scheduler(
                journal: harness.journal, clock: harness.clock,
                identity: ControllerIdentity(operator: "alice", machine: "ctl1", pid: 7),
                loader: RunLoader(homeDirectory: harness.directory, defaultUser: "root"))
        }

        func request(_ when: ScheduleRequest.When) -> ScheduleRequest {
            ScheduleRequest(playbookPath: playbook, inventoryPath: inventory, sshConfig: "none", when: when)
        }

        func advance(hours: Int) { harness.clock.manual.advance(by: .seconds(hours * 3600)) }
    }

    @Test func aRunIsPlannedInTheWindowWithTheChangesFacts() async throws {
        let files = try Files()
        let entry = try await files.scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        #expect(entry.plan.id == "S-RFC-2026-0042")
        #expect(entry.revision == 0)
        #expect(entry.plan.start == ISO8601DateFormatter().date(from: "2026-11-29T02:00:00Z"))
        #expect(entry.plan.end == ISO8601DateFormatter().date(from: "2026-11-29T06:00:00Z"))
        #expect(entry.plan.window == "Sunday")
        #expect(entry.plan.hosts == ["app1", "app2"])
        #expect(entry.plan.title == "Kernel 6.12 on the app tier")
        #expect(entry.plan.change.impact == "one app server out of the pool at a time")
        #expect(entry.plan.rollback == "rollback steps in 1 of 1 stages: Update (1 step)")
        #expect(entry.scheduledBy == "alice")
        // The book is in the journal, as a chain of its own.
        let book = try await ScheduleBook.read(from: files.harness.journal)
        #expect(book.entries.map(\.plan.id) == ["S-RFC-2026-0042"])
    }

    @Test(arguments: [
        ("2026-11-25 03:00", "outside every maintenance window"),
        ("2027-01-03T02:00Z", "Year-end freeze"),  // a Sunday inside the freeze
    ])
    func aTimeThePolicyRefusesIsRefusedWithItsSentence(at when: String, words: String) async throws {
        let files = try Files()
        let error = await #expect(throws: RuntimeError.self) {
            try await files.scheduler.schedule(files.request(.at(when)))
        }
        #expect(error?.exitCode == 4)
        #expect(error?.message.contains(words) == true)
        #expect(try await ScheduleBook.read(from: files.harness.journal).entries.isEmpty)
    }

    @Test func anEstimateThatDoesNotFitTheWindowIsRefused() async throws {
        let files = try Files(playbook: Self.playbook(estimate: "3h"))
        let error = await #expect(throws: RuntimeError.self) {
            try await files.scheduler.schedule(files.request(.at("2026-11-29 04:00")))
        }
        #expect(error?.exitCode == 4)
        #expect(error?.message.contains("does not fit") == true)
    }

    /// Two batches watched 1h30m each are 3h of analysis, whatever the change's estimate of 30m says.
    @Test func anEstimateShorterThanTheAnalysisSoakIsJudgedByTheSoak() async throws {
        let playbook = Self.playbook(estimate: "30m").replacingOccurrences(
            of: "    serial: 1\n",
            with: """
                    serial: 1
                    analysis:
                      duration: 90m
                      interval: 30m
                      metrics:
                        - { name: errors, prometheus: { url: "http://127.0.0.1:9090", query: "vector(0)" }, max: 1 }

                """)
        let files = try Files(playbook: playbook)
        let error = await #expect(throws: RuntimeError.self) {
            try await files.scheduler.schedule(files.request(.at("2026-11-29 04:00")))
        }
        #expect(error?.exitCode == 4)
        #expect(
            error?.message.hasPrefix(
                "REFUSED: the estimate 3h00m (the analysis soak; the change says 30m00s) does not fit") == true,
            "\(error?.message ?? "")")
        let entry = try await files.scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        #expect(entry.plan.change.estimate == .seconds(1_800), "the plan keeps the change as written")
    }

    @Test func aChangeThatNeedsApprovalIsRefusedWithoutIt() async throws {
        let files = try Files(playbook: Self.playbook(type: "normal"))
        let error = await #expect(throws: RuntimeError.self) {
            try await files.scheduler.schedule(files.request(.nextWindow))
        }
        #expect(error?.message.contains("needs approval") == true)
    }

    @Test func theNextWindowIsTheFirstOpeningAheadThatFits() async throws {
        // Sunday 2026-11-29 05:00: inside the window, but the next one is planned, not this one.
        let files = try Files(start: ISO8601DateFormatter().date(from: "2026-11-29T05:00:00Z")!)
        let entry = try await files.scheduler.schedule(files.request(.nextWindow))
        #expect(entry.plan.start == ISO8601DateFormatter().date(from: "2026-12-06T02:00:00Z"))
    }

    @Test func planningAChangeAgainMovesItAsANewRevision() async throws {
        let files = try Files()
        _ = try await files.scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        let moved = try await files.scheduler.schedule(files.request(.at("2026-12-06T03:00Z")))
        #expect(moved.plan.id == "S-RFC-2026-0042")
        #expect(moved.revision == 1)
        let (entries, _) = try await files.scheduler.list()
        #expect(entries.count == 1)
        #expect(entries[0].plan.start == ISO8601DateFormatter().date(from: "2026-12-06T03:00:00Z"))
    }

    @Test func cancellingNamesTheNextOpeningAndCannotBeDoneTwice() async throws {
        let files = try Files()
        _ = try await files.scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        let (entry, opening) = try await files.scheduler.cancel("S-RFC-2026-0042", reason: "vendor patch withdrawn")
        #expect(entry.status(at: files.harness.clock.date) == .cancelled)
        #expect(entry.revision == 1)
        #expect(opening == "next opening: window 'Sunday' at Sun 2026-11-29 02:00 UTC")
        let again = await #expect(throws: RuntimeError.self) {
            try await files.scheduler.cancel("S-RFC-2026-0042", reason: "again")
        }
        #expect(again?.message.contains("cancelled already") == true)
        let unknown = await #expect(throws: RuntimeError.self) { try await files.scheduler.cancel("S-nope", reason: "x") }
        #expect(unknown?.exitCode == 64)
    }

    @Test func aPlannedRunNotStartedByItsEndIsMissed() async throws {
        let files = try Files()
        _ = try await files.scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        files.advance(hours: 4 * 24 + 17)  // Sunday 05:00: still within the window
        #expect(try await files.scheduler.list().entries[0].status(at: files.harness.clock.date) == .scheduled)
        files.advance(hours: 1)  // 06:00: the window is over
        #expect(try await files.scheduler.list().entries[0].status(at: files.harness.clock.date) == .missed)
    }

    @Test func aRunOfThePlannedChangeLinksToIt() async throws {
        let files = try Files()
        _ = try await files.scheduler.schedule(files.request(.at("2026-11-29 02:00")))
        files.advance(hours: 4 * 24 + 14)  // Sunday 02:00
        let outcome = try await files.harness.coordinator().run(
            RunRequest(playbookPath: files.playbook, inventoryPath: files.inventory, sshConfig: "none", runID: "r1"),
            stop: StopSignal())
        #expect(outcome.status == .successful)
        let entry = try #require(try await files.scheduler.list().entries.first)
        #expect(entry.run == "r1")
        #expect(entry.status(at: files.harness.clock.date) == .started)
        #expect(files.harness.console.said.contains("S-RFC-2026-0042"))
    }

    @Test(arguments: [
        ("2026-12-13 02:00", "2026-12-13T02:00:00Z"), ("2026-12-13T02:00Z", "2026-12-13T02:00:00Z"),
        ("2026-12-13T05:30+03:00", "2026-12-13T02:30:00Z"), ("2026-12-13T02:00:00Z", "2026-12-13T02:00:00Z"),
    ])
    func timesAreReadOnThePolicysClockOrWithTheirOffset(text: String, expected: String) {
        #expect(Scheduler.parseTime(text, zone: .utc) == ISO8601DateFormatter().date(from: expected))
    }

    @Test(arguments: ["tomorrow", "2026-13-01 02:00", "2026-12-13 25:00", "2026-12-13"])
    func whatIsNotATimeIsNotRead(text: String) {
        #expect(Scheduler.parseTime(text, zone: .utc) == nil)
    }
}
