import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// The rollout engine against real sshd hosts: what each host's files say afterwards is the assertion.
    @Suite("rolling updates over real sshd", .timeLimit(.minutes(3)))
    struct RolloutTests {
        init() throws { try Testbed.ensureUp() }

        /// A release layout under a directory of its own on every host: releases/vN and a `current` symlink.
        private struct Demo {
            let root = "/srv/host/rollout-\(UUID().uuidString.prefix(8))"

            var prepare: String { "mkdir -p \(root)/releases/v1 && ln -sfn \(root)/releases/v1 \(root)/current" }
            var deploy: Step { Step(name: "deploy v2", action: .run(Template("mkdir -p \(root)/releases/v2 && echo {{ host.name }} > \(root)/releases/v2/owner")!)) }
            var switchOver: Step { Step(name: "switch", action: .run(Template("ln -sfn \(root)/releases/v2 \(root)/current")!)) }
            func health(failOn: Set<String>) -> Step {
                let bad = failOn.map { "[ {{ host.name }} != \($0) ]" }.joined(separator: " && ")
                return Step(name: "health", action: .check(.command(Template(bad.isEmpty ? "true" : bad)!)))
            }
            var rollback: [Step] { [Step(name: "switch back", action: .run(Template("ln -sfn \(root)/releases/v1 \(root)/current")!))] }
            /// `host → v1|v2` from every host's `current` link.
            func releases(_ hosts: [DroverModel.Host]) async throws -> [String: String] {
                var result: [String: String] = [:]
                for host in hosts {
                    let connection = try await makeTransport().connect(to: host)
                    let output = try await connection.run("basename \"$(readlink \(root)/current)\"; rm -rf \(root)", timeout: .seconds(10))
                    await connection.close()
                    result[host.name] = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return result
            }
        }

        /// Testbed host `index` as a member of group `app`.
        private func app(_ index: Int) -> DroverModel.Host {
            var host = Testbed.host(index)
            host.groups = ["all", "app"]
            return host
        }

        private func run(
            _ stage: Stage, demo: Demo, hosts: [DroverModel.Host], connectTimeout: Duration = .seconds(30)
        ) async throws -> RunSummary {
            let setup = await FanOut(transport: makeTransport(), forks: 50).run(demo.prepare, timeout: .seconds(20), on: hosts)
            try #require(setup.allSatisfy { $0.succeeded })
            let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: hosts.map(\.name))])
            let engine = RolloutEngine(
                playbook: Playbook(name: "demo", stages: [stage]), inventory: inventory, targets: hosts,
                configuration: .init(runID: "test"), transport: makeRunTransport(connectTimeout: connectTimeout),
                events: { _ in .durable })
            return await engine.run()
        }

        @Test func twentyHostsInBatchesAllGetTheNewRelease() async throws {
            let demo = Demo()
            let hosts = Testbed.sharedHosts.map { app($0) }
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", serial: [.count(2), .percent(25)],
                steps: [demo.deploy, demo.switchOver, demo.health(failOn: [])], rollback: demo.rollback)
            let summary = try await run(stage, demo: demo, hosts: hosts)
            #expect(summary.status == .successful)
            #expect(summary.status.exitCode == 0)
            let releases = try await demo.releases(hosts)
            #expect(releases.values.allSatisfy { $0 == "v2" }, "\(releases)")
            #expect(releases.count == 20)
        }

        @Test func oneFailureUnderTheThresholdIsRolledBackAndTheRunIsPartial() async throws {
            let demo = Demo()
            let hosts = (1...10).map { app($0) }
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", serial: [.count(5)], maxFailPercentage: 20,
                steps: [demo.deploy, demo.switchOver, demo.health(failOn: [hosts[2].name])], rollback: demo.rollback)
            let summary = try await run(stage, demo: demo, hosts: hosts)
            #expect(summary.status == .partial)
            #expect(summary.status.exitCode == 3)
            let releases = try await demo.releases(hosts)
            #expect(releases[hosts[2].name] == "v1")
            #expect(releases.filter { $0.value == "v2" }.count == 9)
        }

        @Test func failuresOverTheLimitRollBackEveryChangedHostAndLeaveTheRestUntouched() async throws {
            let demo = Demo()
            let hosts = (1...12).map { app($0) }
            // Batches of 2: batch 3 is hosts 5 and 6; host 6 fails = 50% > 10%.
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", serial: [.count(2)], maxFailPercentage: 10,
                steps: [demo.deploy, demo.switchOver, demo.health(failOn: [hosts[5].name])], rollback: demo.rollback)
            let summary = try await run(stage, demo: demo, hosts: hosts)
            #expect(summary.status == .rolledBack)
            #expect(summary.status.exitCode == 2)
            let releases = try await demo.releases(hosts)
            #expect(releases.values.allSatisfy { $0 == "v1" }, "\(releases)")
            // Hosts of batches 1–3 were rolled back; the later ones were never touched.
            #expect(summary.hosts.prefix(6).allSatisfy { $0.state == .rolledBack })
            #expect(summary.hosts.suffix(6).allSatisfy { $0.state == .skipped && $0.steps == 0 })
        }

        @Test func aRollbackThatFailsMakesTheRunFailedAndNamesTheHost() async throws {
            let demo = Demo()
            let hosts = (1...4).map { app($0) }
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", serial: [.count(2)], maxFailPercentage: 0,
                steps: [demo.deploy, demo.switchOver, demo.health(failOn: [hosts[1].name])],
                rollback: [Step(name: "switch back", action: .run(Template("[ {{ host.name }} != \(hosts[0].name) ] && ln -sfn \(demo.root)/releases/v1 \(demo.root)/current")!))])
            let summary = try await run(stage, demo: demo, hosts: hosts)
            #expect(summary.status == .failed)
            #expect(summary.status.exitCode == 1)
            #expect(summary.hosts.first { $0.name == hosts[0].name }?.state == .rollbackFailed)
            #expect(summary.reason.contains("rollback failed on \(hosts[0].name)"))
            let releases = try await demo.releases(hosts)
            #expect(releases[hosts[1].name] == "v1")
            #expect(releases[hosts[0].name] == "v2")
        }

        @Test func hostsKilledOrHungMidStepCountAsFailedAndTheRunEnds() async throws {
            defer {
                _ = try? Testbed.script("resume", String(Testbed.hangHost))
                _ = try? Testbed.script("up", String(Testbed.size))
            }
            let demo = Demo()
            let hosts = [app(13), app(Testbed.killHost), app(Testbed.hangHost), app(14)]
            // A long step; when it starts on the two victims, one host is killed (every process SIGKILLed) and
            // the other hung (SIGSTOPped) from outside, as a crash or a frozen VM would.
            // The survivors' work is instant, so only the victims are mid-step when they are struck.
            let victimNames = "\(Testbed.name(Testbed.killHost))|\(Testbed.name(Testbed.hangHost))"
            var work = Step(name: "long work", action: .run(Template("case {{ host.name }} in \(victimNames)) sleep 20 ;; esac")!))
            work.timeout = .seconds(3)
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", maxFailPercentage: 60,
                steps: [demo.deploy, work], rollback: demo.rollback)
            let setup = await FanOut(transport: makeTransport(), forks: 10).run(demo.prepare, timeout: .seconds(20), on: hosts)
            try #require(setup.allSatisfy { $0.succeeded })
            let victims = [Testbed.name(Testbed.killHost): "kill", Testbed.name(Testbed.hangHost): "hang"]
            let indexes = [Testbed.name(Testbed.killHost): Testbed.killHost, Testbed.name(Testbed.hangHost): Testbed.hangHost]
            let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: hosts.map(\.name))])
            let engine = RolloutEngine(
                playbook: Playbook(name: "demo", stages: [stage]), inventory: inventory, targets: hosts,
                configuration: .init(runID: "test"), transport: makeRunTransport(connectTimeout: .seconds(3)),
                events: { event in
                    guard case .stepStarted(let ref) = event, ref.name == "long work", let action = victims[ref.host]
                    else { return .durable }
                    let index = indexes[ref.host]!
                    Thread.detachNewThread { _ = try? Testbed.script(action, String(index)) }
                    return .durable
                })
            let clock = ContinuousClock()
            let start = clock.now
            let summary = await engine.run()
            #expect(start.duration(to: clock.now) < .seconds(40))
            let states = Dictionary(uniqueKeysWithValues: summary.hosts.map { ($0.name, $0) })
            for victim in [hosts[1].name, hosts[2].name] {
                // Failed, and its rollback could not run on a dead or frozen host.
                #expect(states[victim]?.state == .rollbackFailed, "\(victim): \(String(describing: states[victim]))")
                #expect(states[victim]?.reason?.contains("long work") == true)
            }
            #expect(states[hosts[0].name]?.state == .ok)
            #expect(states[hosts[3].name]?.state == .ok)
            #expect(summary.status == .failed)
        }

        @Test func drainAndEnableRunOnTheDelegateOncePerBatchInOrder() async throws {
            let demo = Demo()
            let lb = Testbed.host(15)
            let hosts = (16...19).map { app($0) }
            let log = "\(demo.root)-lb.log"
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", serial: [.count(2)],
                beforeBatch: [Step(name: "drain", action: .run(Template("echo drain {{ batch.hosts }} >> \(log)")!), delegateTo: Template(lb.name))],
                steps: [demo.deploy, demo.switchOver],
                afterBatch: [Step(name: "enable", action: .run(Template("echo enable {{ batch.hosts }} >> \(log)")!), delegateTo: Template(lb.name))],
                rollback: demo.rollback)
            let inventory = Inventory(hosts: hosts + [lb], groups: [InventoryGroup(name: "app", hosts: hosts.map(\.name))])
            let setup = await FanOut(transport: makeTransport(), forks: 10).run(demo.prepare, timeout: .seconds(20), on: hosts)
            try #require(setup.allSatisfy { $0.succeeded })
            let summary = await RolloutEngine(
                playbook: Playbook(name: "demo", stages: [stage]), inventory: inventory, targets: hosts,
                configuration: .init(runID: "test"), transport: makeRunTransport(), events: { _ in .durable }
            ).run()
            #expect(summary.status == .successful)
            let recorded = try await runOn(15, "cat \(log); rm -f \(log)")
            let names = hosts.map(\.name)
            #expect(
                recorded.stdout == """
                    drain \(names[0]) \(names[1])
                    enable \(names[0]) \(names[1])
                    drain \(names[2]) \(names[3])
                    enable \(names[2]) \(names[3])

                    """)
            _ = try await demo.releases(hosts)
        }
    }
}
