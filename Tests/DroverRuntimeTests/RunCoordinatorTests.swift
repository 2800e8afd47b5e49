import DroverEngine
import DroverJournal
import DroverModel
import DroverRuntime
import DroverTestSupport
import Foundation
import Testing

/// The run core without sockets: a scripted transport, an in-memory journal, a manual clock.
@Suite struct RunCoordinatorTests {
    static let tuesdayNoon = ISO8601DateFormatter().date(from: "2026-11-24T12:00:00Z")!

    static let twoSteps = """
        name: Two steps
        stages:
          - name: Roll out
            hosts: app1:app2
            serial: 1
            steps:
              - name: first
                run: echo first
                idempotent: true
              - name: second
                run: echo second
        """

    /// A policy beside the inventory that names no environment of ours (no time limits) but has a notify target.
    static let notifying = """
        environments:
          elsewhere:
            windows:
              - { name: Sunday, days: [sun], start: "02:00", end: "06:00" }
        notify:
          targets:
            - { command: "/bin/true", events: [started, completed, interrupted] }
        """

    @Test func aRunTouchesAndLeasesOnlyTheHostsItsStagesName() async throws {
        let harness = try RuntimeHarness()
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2"), ("db1", "10.0.0.3")])
        try harness.write("policy.yml", Self.notifying)
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let outcome = try await harness.coordinator().run(
            RunRequest(playbookPath: playbook, inventoryPath: inventory, runID: "r1"), stop: StopSignal())
        #expect(outcome.status == .successful)
        #expect(outcome.summary?.hosts.map(\.name) == ["app1", "app2"])
        #expect(try await harness.journal.run("r1")?.hostCount == 2)
        #expect(Set(harness.transport.commands.map { $0.host }) == ["app1", "app2"])
        // Released at the end: another run may take them at once.
        #expect(try await harness.journal.leases().allSatisfy { $0.holder.run != "r1" })
        #expect(harness.notices.log.first == "run_started")
    }

    @Test func oneMachineUnderTwoNamesInOneRunIsRefusedNamingBoth() async throws {
        let harness = try RuntimeHarness()
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.1")])
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let error = await #expect(throws: RuntimeError.self) {
            try await harness.coordinator().run(
                RunRequest(playbookPath: playbook, inventoryPath: inventory), stop: StopSignal())
        }
        #expect(error?.exitCode == 64)
        #expect(error?.message.contains("app1 and app2 are the same machine (10.0.0.1:22)") == true, "\(error?.message ?? "")")
        #expect(harness.transport.commands.isEmpty)
    }

    /// A stop while `--wait-for-window` waits ends the wait at once: no host is touched and the run is recorded
    /// INTERRUPTED (issue 17, finding 7).
    @Test func aStopWhileWaitingForTheWindowEndsTheWait() async throws {
        let harness = try RuntimeHarness(start: Self.tuesdayNoon)
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let policy = try harness.write(
            "policy.yml",
            """
            environments:
              test:
                windows:
                  - { name: Nightly, days: daily, start: "22:00", end: "23:00" }
            """)
        let stop = StopSignal()
        let coordinator = harness.coordinator()
        let run = Task {
            try await coordinator.run(
                RunRequest(
                    playbookPath: playbook, inventoryPath: inventory, policyPath: policy,
                    waitForWindow: .seconds(12 * 3600), runID: "r1"),
                stop: stop)
        }
        await harness.clock.manual.waitForSleepers()
        stop.escalate()
        let outcome = try await run.value
        #expect(outcome.status == .interrupted)
        #expect(outcome.reason.contains("while waiting for the window 'Nightly'"), "\(outcome.reason)")
        #expect(harness.transport.commands.isEmpty)
        #expect(try await harness.journal.run("r1")?.status == .interrupted)
        #expect(harness.console.events.map(\.name) == ["run_started", "waiting_for_window", "run_finished"])
    }

    @Test func theWaitEndsWhenTheWindowOpensAndTheRunGoesAhead() async throws {
        let harness = try RuntimeHarness(start: Self.tuesdayNoon.addingTimeInterval(10 * 3600 - 150))
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let policy = try harness.write(
            "policy.yml",
            """
            environments:
              test:
                windows:
                  - { name: Nightly, days: daily, start: "22:00", end: "23:00" }
            """)
        let coordinator = harness.coordinator()
        let run = Task {
            try await coordinator.run(
                RunRequest(
                    playbookPath: playbook, inventoryPath: inventory, policyPath: policy,
                    waitForWindow: .seconds(3600), runID: "r1"),
                stop: StopSignal())
        }
        let opening = Self.tuesdayNoon.addingTimeInterval(10 * 3600)
        for _ in 0..<10 where harness.clock.date < opening {
            await harness.clock.manual.waitForSleepers()
            harness.clock.manual.advance(by: .seconds(60))
        }
        let outcome = try await run.value
        #expect(outcome.status == .successful)
        #expect(harness.transport.commands.count == 4)
        let names = harness.console.events.map(\.name)
        #expect(Array(names.prefix(3)) == ["run_started", "waiting_for_window", "policy_checked"])
    }

    @Test func aRunThePolicyRefusesIsRecordedAndToldAsRefused() async throws {
        let harness = try RuntimeHarness(start: Self.tuesdayNoon)
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let policy = try harness.write(
            "policy.yml",
            """
            environments:
              test:
                blackouts:
                  - { name: Freeze, daily: "00:00-24:00" }
            notify:
              targets:
                - { command: "/bin/true", events: [refused] }
            """)
        let outcome = try await harness.coordinator().run(
            RunRequest(playbookPath: playbook, inventoryPath: inventory, policyPath: policy, runID: "r1"),
            stop: StopSignal())
        #expect(outcome.status == .refused)
        #expect(outcome.reason.contains("Freeze"))
        #expect(try await harness.journal.run("r1")?.status == .refused)
        #expect(harness.notices.log == ["refused", "finished"])
        #expect(harness.transport.commands.isEmpty)
    }

    /// Another run's lease refuses the run; when its controller is provably gone the refusal says so and what to do
    /// (issue 17, finding 5).
    @Test func aLeaseHeldByAGoneControllerIsNamedAsGone() async throws {
        let harness = try RuntimeHarness()
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let dead = LeaseHolder(run: "old", operator: "alice", controller: "ctl1", pid: 999)
        _ = try await harness.journal.acquireLeases(
            LeaseRequest(holder: dead, targets: [.init(machine: "10.0.0.2:22", names: ["web2"])], ttl: .seconds(120)))
        let outcome = try await harness.coordinator(processExists: { $0 != 999 }).run(
            RunRequest(playbookPath: playbook, inventoryPath: inventory, runID: "r1"), stop: StopSignal())
        #expect(outcome.status == .refused)
        #expect(outcome.reason.contains("app2 (10.0.0.2:22, also called web2 by run old) locked by run old of alice"))
        #expect(harness.console.said.contains("run old's controller (pid 999 on this machine) is gone"))
        #expect(harness.console.said.contains("drover resume old"))
        #expect(harness.transport.commands.isEmpty)
        // Nothing of ours is left leased.
        #expect(try await harness.journal.leases().allSatisfy { $0.holder.run == "old" })
    }

    /// An interrupted run resumes with what it recorded; completed steps do not run again, and stakeholders are
    /// told how it ends (without a second `started`).
    @Test func aResumeFinishesTheRunAndTellsStakeholders() async throws {
        let harness = try RuntimeHarness()
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        try harness.write("policy.yml", Self.notifying)
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let stop = StopSignal()
        let stopper = StopOnFirstFinishedStep(stop: stop)
        let interrupted = try await harness.coordinator().run(
            RunRequest(
                playbookPath: playbook, inventoryPath: inventory, extraVars: try ExtraVariables.parse(["release=2"]),
                runID: "r1"),
            stop: stopper.signal(harness))
        #expect(interrupted.status == .interrupted)
        let ranBefore = harness.transport.commands.count
        #expect(ranBefore > 0 && ranBefore < 4)

        let outcome = try await harness.coordinator(
            identity: ControllerIdentity(operator: "bob", machine: "ctl1", pid: 4343)
        ).resume(ResumeRequest(runID: "r1"), stop: StopSignal())
        #expect(outcome.status == .successful)
        #expect(harness.transport.commands.count == 4)
        #expect(harness.notices.log.contains("resumed"))
        #expect(!harness.notices.log.dropFirst(harness.notices.log.firstIndex(of: "resumed") ?? 0).contains("run_started"))
    }

    @Test func aResumeWhoseInventoryNowResolvesDifferentlyIsRefused() async throws {
        let harness = try RuntimeHarness()
        let inventory = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.2")])
        let playbook = try harness.write("play.yml", Self.twoSteps)
        let stop = StopSignal()
        _ = try await harness.coordinator().run(
            RunRequest(playbookPath: playbook, inventoryPath: inventory, runID: "r1"),
            stop: StopOnFirstFinishedStep(stop: stop).signal(harness))
        _ = try harness.inventory([("app1", "10.0.0.1"), ("app2", "10.0.0.9")])
        let error = await #expect(throws: RuntimeError.self) {
            try await harness.coordinator().resume(ResumeRequest(runID: "r1"), stop: StopSignal())
        }
        #expect(error?.exitCode == 64)
        #expect(error?.message.contains("no longer resolves to the hosts run r1 started with") == true)
        #expect(try await harness.journal.run("r1")?.status == .interrupted)
    }
}

/// Raises a stop as soon as the first step has finished (the console sees events once they are durable).
struct StopOnFirstFinishedStep {
    let stop: StopSignal

    /// The stop signal, armed on `harness`'s console.
    func signal(_ harness: RuntimeHarness) -> StopSignal {
        harness.console.onEvent = { [stop] event in
            if case .stepFinished = event, !stop.isStopping { stop.escalate() }
        }
        return stop
    }
}
