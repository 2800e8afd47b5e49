import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The executor over a scripted transport: which commands ran where, in which order, and how the run ended.
@Suite struct RolloutEngineTests {
    /// app1…appN in group `app`, plus `lb1` in group `lb`.
    private func inventory(apps: Int) -> Inventory {
        var hosts = (1...apps).map {
            DroverModel.Host(name: "app\($0)", connection: ConnectionSettings(address: "10.0.0.\($0)", user: "u"), groups: ["all", "app"])
        }
        hosts.append(DroverModel.Host(name: "lb1", connection: ConnectionSettings(address: "10.0.1.1", user: "u"), groups: ["all", "lb"]))
        return Inventory(
            hosts: hosts,
            groups: [
                InventoryGroup(name: "app", hosts: (1...apps).map { "app\($0)" }),
                InventoryGroup(name: "lb", hosts: ["lb1"]),
            ])
    }

    private func step(_ command: String, _ configure: (inout Step) -> Void = { _ in }) -> Step {
        var step = Step(action: .run(Template(command)!))
        configure(&step)
        return step
    }

    /// Runs `playbook`; commands containing `FAIL@host` fail on that host.
    private func run(
        _ playbook: Playbook, apps: Int, failing: @escaping @Sendable (String, String) -> Bool = { _, _ in false }
    ) async -> (RunSummary, ScriptedTransport, [RunEvent]) {
        let transport = ScriptedTransport { host in
            .answers { command in
                CommandResult(exitStatus: failing(host.name, command) ? 1 : 0, stderrTail: Array("boom".utf8))
            }
        }
        let inventory = inventory(apps: apps)
        let events = EventRecorder()
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: inventory.hosts,
            configuration: .init(runID: "r1", forks: 50), transport: transport,
            events: events.sink, sleep: { _ in })
        let summary = await engine.run()
        return (summary, transport, events.all)
    }

    private func rollout(serial: [SerialEntry], maxFailPercentage: Double? = nil, maxFailures: Int? = nil) -> Playbook {
        Playbook(
            name: "Update",
            stages: [
                Stage(
                    name: Template(literal: "Roll out"), hosts: "app", serial: serial,
                    maxFailPercentage: maxFailPercentage, maxFailures: maxFailures,
                    steps: [step("deploy {{ host.name }}"), step("check {{ host.name }}")],
                    rollback: [step("revert {{ host.name }}")])
            ])
    }

    @Test func allHostsSucceedInBatches() async {
        let (summary, transport, events) = await run(rollout(serial: [.count(2), .percent(25)]), apps: 20)
        #expect(summary.status == .successful)
        #expect(summary.hosts.filter { $0.name.hasPrefix("app") }.allSatisfy { $0.state == .ok })
        let batches = events.compactMap { event -> [String]? in
            if case .batchStarted(_, _, let hosts) = event { return hosts }
            return nil
        }
        #expect(batches.map(\.count) == [2, 5, 5, 5, 3])
        #expect(transport.commands.filter { $0.command.hasPrefix("revert") }.isEmpty)
        // Each host deploys before it checks.
        let app7 = transport.commands.filter { $0.host == "app7" }.map(\.command)
        #expect(app7 == ["deploy app7", "check app7"])
    }

    @Test func hostFailingUnderTheThresholdIsRolledBackAloneAndTheRunIsPartial() async {
        let (summary, transport, _) = await run(
            rollout(serial: [.count(5)], maxFailPercentage: 30), apps: 10,
            failing: { host, command in host == "app3" && command.hasPrefix("check") })
        #expect(summary.status == .partial)
        #expect(summary.hosts.first { $0.name == "app3" }?.state == .rolledBack)
        #expect(transport.commands.filter { $0.command.hasPrefix("revert") }.map(\.host) == ["app3"])
        // The run went on to the second batch.
        #expect(transport.commands.contains { $0.host == "app10" && $0.command == "deploy app10" })
    }

    @Test func failuresOverTheLimitRollBackEveryChangedHostInReverseBatchOrder() async {
        // Batches of 2; batch 3 (app5, app6) has one failure = 50% > 20%.
        let (summary, transport, events) = await run(
            rollout(serial: [.count(2)], maxFailPercentage: 20), apps: 10,
            failing: { host, command in host == "app6" && command.hasPrefix("check") })
        #expect(summary.status == .rolledBack)
        let reverts = transport.commands.filter { $0.command.hasPrefix("revert") }.map(\.host)
        // app6 first (its own failure), then batch 3's app5, then batch 2, then batch 1.
        #expect(reverts.first == "app6")
        #expect(reverts.count == 6)
        #expect(Set(reverts.dropFirst().prefix(1)) == ["app5"])
        #expect(Set(reverts.dropFirst(2).prefix(2)) == ["app3", "app4"])
        #expect(Set(reverts.dropFirst(4).prefix(2)) == ["app1", "app2"])
        // Later hosts were never touched.
        #expect(!transport.commands.contains { ["app7", "app8", "app9", "app10"].contains($0.host) })
        #expect(summary.hosts.first { $0.name == "app9" }?.state == .skipped)
        let decision = events.compactMap { event -> Decision? in
            if case .decision(let decision) = event, decision.action == .halt { return decision }
            return nil
        }.first
        #expect(decision?.reason == "batch 3: 1 of 2 hosts failed = 50% > max_fail_percentage 20%")
    }

    @Test func failureBudgetSpentAcrossBatchesHalts() async {
        let (summary, _, events) = await run(
            rollout(serial: [.count(2)], maxFailPercentage: 50, maxFailures: 1), apps: 8,
            failing: { host, command in ["app1", "app3"].contains(host) && command.hasPrefix("deploy") })
        #expect(summary.status == .rolledBack)
        #expect(summary.decisions.last?.rule == .maxFailures)
        #expect(!events.contains { if case .batchStarted(_, 2, _) = $0 { return true } else { return false } })
    }

    @Test func rollbackFailingMakesTheRunFailedAndNamesTheHost() async {
        let (summary, _, _) = await run(
            rollout(serial: [.count(2)], maxFailPercentage: 0), apps: 4,
            failing: { host, command in
                (host == "app2" && command.hasPrefix("check")) || (host == "app1" && command.hasPrefix("revert"))
            })
        #expect(summary.status == .failed)
        #expect(summary.hosts.first { $0.name == "app1" }?.state == .rollbackFailed)
        #expect(summary.reason.contains("rollback failed on app1"))
    }

    @Test func earlierStagesWithoutRollbackStepsKeepTheirChangesAndTheRunIsRolledBack() async {
        var playbook = rollout(serial: [.count(2)], maxFailPercentage: 0)
        playbook.stages.insert(Stage(name: Template(literal: "Backup"), hosts: "app", steps: [step("backup")]), at: 0)
        let (summary, transport, _) = await run(playbook, apps: 4, failing: { host, command in host == "app3" && command.hasPrefix("check") })
        #expect(summary.status == .rolledBack)
        #expect(summary.reason.contains("kept (no rollback steps): 'Backup'"))
        #expect(Set(transport.commands.filter { $0.command.hasPrefix("revert") }.map(\.host)) == ["app1", "app2", "app3", "app4"])
    }

    @Test func haltRollsBackStagesInReverseOrderIncludingHostsThatFailedLater() async {
        var playbook = rollout(serial: [.count(2)], maxFailPercentage: 0)
        playbook.stages.insert(
            Stage(
                name: Template(literal: "Config"), hosts: "app", steps: [step("configure {{ host.name }}")],
                rollback: [step("unconfigure {{ host.name }}")]),
            at: 0)
        let (summary, transport, _) = await run(playbook, apps: 4, failing: { host, command in host == "app3" && command.hasPrefix("check") })
        #expect(summary.status == .rolledBack)
        let undo = transport.commands.map(\.command).filter { $0.hasPrefix("revert") || $0.hasPrefix("unconfigure") }
        // The rollout stage first (app3 on its own failure, then app4, then app1/app2), then the config stage.
        #expect(undo.prefix(4) == ["revert app3", "revert app4", "revert app1", "revert app2"] || undo.prefix(4) == ["revert app3", "revert app4", "revert app2", "revert app1"])
        #expect(Set(undo.dropFirst(4)) == ["unconfigure app1", "unconfigure app2", "unconfigure app3", "unconfigure app4"])
        #expect(undo.count == 8)
    }

    @Test func haltInAStageWithoutRollbackStepsIsFailed() async {
        var playbook = rollout(serial: [.count(2)], maxFailPercentage: 0)
        playbook.stages[0].rollback = []
        let (summary, _, _) = await run(playbook, apps: 4, failing: { host, command in host == "app2" && command.hasPrefix("check") })
        #expect(summary.status == .failed)
        #expect(summary.reason.contains("changed hosts have no rollback steps"))
        #expect(summary.hosts.first { $0.name == "app3" }?.state == .skipped)
    }

    @Test func criticalStepHaltsTheRunAtOnce() async {
        var playbook = rollout(serial: [.count(5)], maxFailPercentage: 100)
        playbook.stages[0].steps[0].critical = true
        let (summary, _, _) = await run(playbook, apps: 10, failing: { host, command in host == "app2" && command.hasPrefix("deploy") })
        #expect(summary.status == .rolledBack)
        #expect(summary.decisions.last?.rule == .critical)
        #expect(summary.hosts.first { $0.name == "app6" }?.state == .skipped)
    }

    @Test func minHealthyStopsBeforeABatchIsTakenOut() async {
        var playbook = rollout(serial: [.count(2)], maxFailPercentage: 50)
        playbook.stages[0].minHealthy = 2
        // 4 hosts; app1 fails in batch 1 → batch 2 would leave 4 - 1 - 2 = 1 < 2.
        let (summary, transport, _) = await run(playbook, apps: 4, failing: { host, command in host == "app1" && command.hasPrefix("check") })
        #expect(summary.decisions.last?.rule == .minHealthy)
        #expect(!transport.commands.contains { $0.host == "app3" })
        #expect(summary.status == .rolledBack)
    }

    @Test func drainAndEnableRunOncePerBatchOnTheDelegateInOrder() async {
        var playbook = rollout(serial: [.count(2)])
        playbook.stages[0].beforeBatch = [step("drain {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
        playbook.stages[0].afterBatch = [step("enable {{ batch.hosts }}") { $0.delegateTo = Template("lb1") }]
        let (summary, transport, _) = await run(playbook, apps: 4)
        #expect(summary.status == .successful)
        #expect(
            transport.commands.filter { $0.host == "lb1" }.map(\.command) == [
                "drain app1 app2", "enable app1 app2", "drain app3 app4", "enable app3 app4",
            ])
    }

    @Test func runOnceStageRunsOnTheFirstHostAndCountsForAll() async {
        var playbook = rollout(serial: [])
        playbook.stages[0].runOnce = true
        let (summary, transport, _) = await run(playbook, apps: 5)
        #expect(Set(transport.commands.map(\.host)) == ["app1"])
        #expect(summary.hosts.filter { $0.name.hasPrefix("app") }.allSatisfy { $0.state == .ok })
    }

    @Test func templateValuesAreShellQuoted() async {
        var playbook = rollout(serial: [])
        playbook.vars = ["release": .string("2.4; rm -rf /")]
        playbook.stages[0].steps = [step("switch {{ release }}")]
        let (_, transport, _) = await run(playbook, apps: 1)
        #expect(transport.commands.first?.command == "switch '2.4; rm -rf /'")
    }

    @Test func failedHostsTakeNoPartInLaterStages() async {
        var playbook = rollout(serial: [], maxFailPercentage: 50)
        playbook.stages.append(Stage(name: Template(literal: "Verify"), hosts: "app", steps: [step("verify")]))
        let (summary, transport, _) = await run(playbook, apps: 4, failing: { host, command in host == "app2" && command.hasPrefix("deploy") })
        #expect(summary.status == .partial)
        #expect(Set(transport.commands.filter { $0.command == "verify" }.map(\.host)) == ["app1", "app3", "app4"])
    }

    @Test func stopRequestFinishesInFlightStepsAndEndsInterruptedWithoutRollback() async {
        let playbook = rollout(serial: [.count(2)], maxFailPercentage: 0)
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        let inventory = inventory(apps: 6)
        let stop = StopSignal()
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: inventory.hosts,
            configuration: .init(runID: "r1", forks: 1), transport: transport, stop: stop,
            events: { event in
                if case .stepStarted(let ref) = event, ref.host == "app1", ref.step == 0 { stop.escalate() }
                return .durable
            }, sleep: { _ in })
        let summary = await engine.run()
        #expect(summary.status == .interrupted)
        #expect(summary.hosts.first { $0.name == "app1" }?.state == .interrupted)
        #expect(summary.hosts.first { $0.name == "app3" }?.state == .skipped)
        // app1's started step finished; nothing else ran, and nothing was rolled back.
        #expect(transport.commands.map(\.command) == ["deploy app1"])
    }

    @Test func becomePasswordGoesToSudoOnStdinNeverIntoTheCommand() async {
        var playbook = rollout(serial: [])
        playbook.stages[0].steps = [step("systemctl restart app") { $0.become = true }]
        playbook.stages[0].rollback = []
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        var hosts = inventory(apps: 2).hosts
        hosts[0].connection.becomePassword = .environment("DROVER_TEST_SUDO_PW")
        let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: ["app1", "app2"])])
        var engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: inventory.hosts,
            configuration: .init(runID: "r1"), transport: transport, events: { _ in .durable }, sleep: { _ in })
        engine.becomePassword = { source in source == .environment("DROVER_TEST_SUDO_PW") ? "s3cr3t" : nil }
        let summary = await engine.run()
        #expect(summary.status == .successful)
        let byHost = Dictionary(uniqueKeysWithValues: zip(transport.commands.map(\.host), zip(transport.commands.map(\.command), transport.inputs)))
        #expect(byHost["app1"]?.0 == "sudo -S -p '' -u root -- sh -c 'exec </dev/null; systemctl restart app'")
        #expect(byHost["app1"]?.1 == Array("s3cr3t\n".utf8))
        #expect(byHost["app2"]?.0 == "sudo -n -u root -- sh -c 'systemctl restart app'")
        #expect(byHost["app2"]?.1 == [])
        #expect(!transport.commands.contains { $0.command.contains("s3cr3t") })
    }

    @Test func aStatusAShellGivesASignalNamesTheLikelySignal() async {
        let playbook = Playbook(
            name: "Update", stages: [Stage(name: Template(literal: "Roll out"), hosts: "app", steps: [step("deploy")])])
        let transport = ScriptedTransport { host in
            .answers { _ in
                host.name == "app1"
                    ? CommandResult(exitStatus: 137, stderrTail: Array("out of memory\n".utf8))
                    : CommandResult(exitStatus: 200)
            }
        }
        let inventory = inventory(apps: 2)
        let events = EventRecorder()
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: inventory.hosts,
            configuration: .init(runID: "r1"), transport: transport, events: events.sink, sleep: { _ in })
        _ = await engine.run()
        let reasons = Dictionary(uniqueKeysWithValues: events.all.compactMap { event -> (String, String)? in
            if case .hostFailed(_, let host, _, let reason) = event { return (host, reason) }
            return nil
        })
        #expect(reasons["app1"] == "run: deploy: exited 137 (128+9: killed by SIGKILL?): out of memory")
        #expect(reasons["app2"] == "run: deploy: exited 200", "a status that is no signal's gets no guess")
    }

    @Test func stepDurationsAreMeasuredOnTheEnginesClock() async {
        let clock = ManualWallClock(start: Date(timeIntervalSince1970: 0))
        let transport = ScriptedTransport { _ in
            .answers { command in
                if command.hasPrefix("deploy") { clock.advance(by: .seconds(90)) }
                return CommandResult(exitStatus: 0)
            }
        }
        let inventory = inventory(apps: 2)
        let engine = RolloutEngine(
            playbook: rollout(serial: [.count(1)]), inventory: inventory, targets: inventory.hosts,
            configuration: .init(runID: "r1"), transport: transport, events: { _ in .durable }, sleep: { _ in },
            now: { clock.now })
        let summary = await engine.run()
        #expect(summary.hosts.filter { $0.name.hasPrefix("app") }.map(\.duration) == [.seconds(90), .seconds(90)])
        #expect(summary.duration == .seconds(180))
    }

    @Test func checkModeRunsChecksAndChangesNothing() async {
        var playbook = rollout(serial: [])
        playbook.stages[0].steps.append(Step(action: .check(.command(Template("test -f /ok")!))))
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        let inventory = inventory(apps: 2)
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: inventory.hosts,
            configuration: .init(runID: "r1", checkOnly: true), transport: transport, events: { _ in .durable },
            sleep: { _ in })
        let summary = await engine.run()
        #expect(summary.status == .successful)
        #expect(transport.commands.map(\.command) == ["test -f /ok", "test -f /ok"])
    }
}
