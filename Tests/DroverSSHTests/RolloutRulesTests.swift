import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// The remaining halt rules, the step kinds and options, each over real sshd: every assertion reads what the
    /// hosts hold afterwards or what the engine reported.
    @Suite("rollout rules and step kinds over real sshd", .timeLimit(.minutes(3)))
    struct RolloutRulesTests {
        let root = "/srv/host/rules-\(UUID().uuidString.prefix(8))"

        init() throws { try Testbed.ensureUp() }

        private func hosts(_ range: ClosedRange<Int>) -> [DroverModel.Host] {
            range.map { index in
                var host = Testbed.host(index)
                host.groups = ["all", "app"]
                return host
            }
        }

        private func run(_ stages: [Stage], on hosts: [DroverModel.Host], checkOnly: Bool = false) async -> RunSummary {
            await RolloutEngine(
                playbook: Playbook(name: "rules", vars: ["root": .string(root)], stages: stages),
                inventory: Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: hosts.map(\.name))]),
                targets: hosts, configuration: .init(runID: "rules", checkOnly: checkOnly), transport: makeRunTransport(),
                events: { _ in .durable }
            ).run()
        }

        private func step(_ command: String, _ configure: (inout Step) -> Void = { _ in }) -> Step {
            var step = Step(action: .run(Template(command)!))
            configure(&step)
            return step
        }

        /// Each host's marker file, or "none"; removes the test's directory.
        private func markers(_ hosts: [DroverModel.Host]) async throws -> [String: String] {
            let outcomes = await FanOut(transport: makeTransport(), forks: 20).run(
                "cat \(root)/marker 2>/dev/null || echo none; rm -rf \(root)", timeout: .seconds(10), on: hosts)
            return Dictionary(
                uniqueKeysWithValues: outcomes.map {
                    ($0.host.name, ((try? $0.result.get())?.stdout ?? "?").trimmingCharacters(in: .newlines))
                })
        }

        private func rollout(failOn: Set<String>, _ configure: (inout Stage) -> Void) -> Stage {
            let bad = failOn.map { "[ {{ host.name }} != \($0) ]" }.joined(separator: " && ")
            var stage = Stage(
                name: Template(literal: "rules"), hosts: "app", serial: [.count(2)],
                steps: [step("mkdir -p {{ root }} && echo new > {{ root }}/marker"), step(bad.isEmpty ? "true" : bad)],
                rollback: [step("echo old > {{ root }}/marker")])
            configure(&stage)
            return stage
        }

        @Test func failureBudgetSpentAcrossBatchesHaltsAndRollsBack() async throws {
            let fleet = hosts(1...8)
            // One failure in batch 1 and one in batch 2: 50% each is allowed, but 2 > max_failures 1.
            let summary = await run(
                [rollout(failOn: [fleet[0].name, fleet[2].name]) { $0.maxFailPercentage = 50; $0.maxFailures = 1 }],
                on: fleet)
            #expect(summary.status == .rolledBack)
            #expect(summary.decisions.last?.rule == .maxFailures)
            let markers = try await markers(fleet)
            #expect(fleet.prefix(4).allSatisfy { markers[$0.name] == "old" }, "\(markers)")
            #expect(fleet.suffix(4).allSatisfy { markers[$0.name] == "none" }, "\(markers)")
        }

        @Test func minHealthyStopsBeforeTakingABatchOut() async throws {
            let fleet = hosts(1...4)
            // host 1 fails in batch 1; batch 2 would leave 4 - 1 - 2 = 1 healthy < 2.
            let summary = await run(
                [rollout(failOn: [fleet[0].name]) { $0.maxFailPercentage = 50; $0.minHealthy = 2 }], on: fleet)
            #expect(summary.decisions.last?.rule == .minHealthy)
            #expect(summary.status == .rolledBack)
            let markers = try await markers(fleet)
            #expect(markers[fleet[2].name] == "none" && markers[fleet[3].name] == "none", "\(markers)")
            #expect(markers[fleet[0].name] == "old" && markers[fleet[1].name] == "old", "\(markers)")
        }

        @Test func criticalStepFailureHaltsTheRun() async throws {
            let fleet = hosts(1...6)
            let summary = await run(
                [rollout(failOn: [fleet[1].name]) { $0.maxFailPercentage = 100; $0.steps[1].critical = true }], on: fleet)
            #expect(summary.decisions.last?.rule == .critical)
            #expect(summary.decisions.last?.reason.contains(fleet[1].name) == true)
            let markers = try await markers(fleet)
            #expect(fleet.suffix(4).allSatisfy { markers[$0.name] == "none" }, "\(markers)")
        }

        @Test func runOnceStepRunsOnOneHostOfTheBatch() async throws {
            let fleet = hosts(1...4)
            let stage = Stage(
                name: Template(literal: "once"), hosts: "app", serial: [.count(4)],
                steps: [
                    step("mkdir -p {{ root }}"),
                    step("echo {{ host.name }} > {{ root }}/marker") { $0.runOnce = true },
                ])
            let summary = await run([stage], on: fleet)
            #expect(summary.status == .successful)
            let markers = try await markers(fleet)
            #expect(markers.values.filter { $0 != "none" }.count == 1, "\(markers)")
        }

        @Test func becomeRunsTheStepAsAnotherUserThroughSudo() async throws {
            let fleet = hosts(3...3)
            let stage = Stage(
                name: Template(literal: "become"), hosts: "app",
                steps: [
                    step("mkdir -p {{ root }} && chmod 777 {{ root }}"),
                    step("whoami > {{ root }}/marker") { $0.become = true; $0.becomeUser = "nobody" },
                ])
            let summary = await run([stage], on: fleet)
            #expect(summary.status == .successful, "\(summary.hosts)")
            #expect(try await markers(fleet)[fleet[0].name] == "nobody")
        }

        @Test func becomePasswordReachesSudoButNeverTheCommand() async throws {
            var fleet = hosts(7...7)
            fleet[0].connection.becomePassword = .environment("DROVER_RULES_SUDO_PASSWORD")
            let stage = Stage(
                name: Template(literal: "become"), hosts: "app",
                steps: [
                    step("mkdir -p {{ root }} && chmod 777 {{ root }}"),
                    // The command reads its stdin: it must find nothing there, not the password.
                    step("cat > {{ root }}/stdin; whoami > {{ root }}/marker") { $0.become = true; $0.becomeUser = "nobody" },
                ])
            var engine = RolloutEngine(
                playbook: Playbook(name: "rules", vars: ["root": .string(root)], stages: [stage]),
                inventory: Inventory(hosts: fleet, groups: [InventoryGroup(name: "app", hosts: fleet.map(\.name))]),
                targets: fleet, configuration: .init(runID: "rules"), transport: makeRunTransport(),
                events: { _ in .durable })
            engine.becomePassword = { _ in "not-a-real-password" }
            let summary = await engine.run()
            #expect(summary.status == .successful, "\(summary.hosts)")
            let stdin = try await runOn(7, "wc -c < \(root)/stdin")
            #expect(stdin.stdout == "0\n")
            #expect(try await markers(fleet)[fleet[0].name] == "nobody")
        }

        @Test func checkModeRunsChecksButChangesNothing() async throws {
            let fleet = hosts(4...5)
            var stage = rollout(failOn: []) { _ in }
            stage.steps.append(Step(action: .check(.command(Template("test -d /srv/host")!))))
            let summary = await run([stage], on: fleet, checkOnly: true)
            #expect(summary.status == .successful)
            #expect(try await markers(fleet).values.allSatisfy { $0 == "none" })
        }

        @Test func checksReportWhatTheyFoundOnTheHost() async throws {
            let fleet = hosts(6...6)
            let address = fleet[0].connection.address
            func check(_ check: Check) -> Step { Step(action: .check(check)) }
            let passing = Stage(
                name: Template(literal: "passing"), hosts: "app",
                steps: [
                    check(.diskFree(path: Template("/srv/host")!, minPercent: 0.1, minBytes: nil)),
                    check(.memFree(minPercent: 0.1, minBytes: nil)),
                    check(.tcp(host: Template(address)!, port: 22)),
                    check(.command(Template("test -d /srv/host")!)),
                ])
            #expect(await run([passing], on: fleet).status == .successful)

            let cases: [(Check, String)] = [
                (.diskFree(path: Template("/srv/host")!, minPercent: 100, minBytes: nil), "% free"),
                (.memFree(minPercent: 100, minBytes: nil), "memory available"),
                (.tcp(host: Template(address)!, port: 1), "nothing accepts TCP connections on \(address):1"),
                (.service(name: Template("drover-no-such-service")!, state: "active"), "service drover-no-such-service is"),
                (.http(url: Template("http://\(address):1/health")!, status: 200, body: nil), "exited 2"),
            ]
            for (failing, expected) in cases {
                let stage = Stage(name: Template(literal: "failing"), hosts: "app", steps: [check(failing)])
                let summary = await run([stage], on: fleet)
                #expect(summary.status == .rolledBack || summary.status == .failed || summary.status == .partial)
                #expect(summary.hosts[0].reason?.contains(expected) == true, "\(failing): \(summary.hosts[0].reason ?? "")")
            }
        }
    }
}
