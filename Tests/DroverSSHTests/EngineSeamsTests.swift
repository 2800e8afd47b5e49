import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// The engine's seams over real sshd: what the sink answers to a step's announcement, a gate that pauses and
    /// the operator's answer, run_once across a resume. Every assertion reads what the hosts hold afterwards.
    @Suite("engine seams over real sshd", .timeLimit(.minutes(3)))
    struct EngineSeamsTests {
        /// Each host appends what it did to `{{ root }}/log`; the release it runs is in `{{ root }}/release`.
        let root = "/srv/host/seams-\(UUID().uuidString.prefix(8))"

        init() throws { try Testbed.ensureUp() }

        private func hosts(_ range: ClosedRange<Int>) -> [DroverModel.Host] {
            range.map { index in
                var host = Testbed.host(index)
                host.groups = ["all", "app"]
                return host
            }
        }

        private func step(_ name: String, _ command: String, _ configure: (inout Step) -> Void = { _ in }) -> Step {
            var step = Step(name: name, action: .run(Template(command)!))
            configure(&step)
            return step
        }

        /// deploy (v2), check (fails once on the hosts in `failOnce`), rollback to v1; batches of two.
        private func stage(failOnce: Set<String> = []) -> Stage {
            let flaky = failOnce.map { "[ {{ host.name }} != \($0) ]" }.joined(separator: " && ")
            let check =
                flaky.isEmpty
                ? "echo check >> {{ root }}/log"
                : "echo check >> {{ root }}/log; \(flaky) || test -f {{ root }}/tried || { touch {{ root }}/tried; exit 1; }"
            return Stage(
                name: Template(literal: "seams"), hosts: "app", serial: [.count(2)], maxFailPercentage: 0,
                steps: [
                    step("deploy", "mkdir -p {{ root }} && echo deploy >> {{ root }}/log && echo v2 > {{ root }}/release"),
                    step("check", check),
                ],
                rollback: [step("revert", "echo revert >> {{ root }}/log && echo v1 > {{ root }}/release")])
        }

        private func engine(
            _ stages: [Stage], on fleet: [DroverModel.Host], configuration: RolloutEngine.Configuration,
            events: @escaping @Sendable (RunEvent) async -> Recorded,
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        ) -> RolloutEngine {
            RolloutEngine(
                playbook: Playbook(name: "seams", vars: ["root": .string(root)], stages: stages),
                inventory: Inventory(hosts: fleet, groups: [InventoryGroup(name: "app", hosts: fleet.map(\.name))]),
                targets: fleet, configuration: configuration, transport: makeRunTransport(), events: events,
                sleep: sleep)
        }

        /// Each host's log (its lines joined by spaces, or "none") and release; removes the test's directory.
        private func state(_ fleet: [DroverModel.Host]) async throws -> [String: String] {
            let outcomes = await FanOut(transport: makeTransport(), forks: 20).run(
                "echo $(cat \(root)/log 2>/dev/null || echo none) / $(cat \(root)/release 2>/dev/null || echo none); rm -rf \(root)",
                timeout: .seconds(10), on: fleet)
            return Dictionary(
                uniqueKeysWithValues: outcomes.map {
                    ($0.host.name, ((try? $0.result.get())?.stdout ?? "?").trimmingCharacters(in: .whitespacesAndNewlines))
                })
        }

        @Test func aLostLeaseStartsNothingMoreOnThatHost() async throws {
            let fleet = hosts(1...4)
            let lost = fleet[1].name
            let engine = engine(
                [stage()], on: fleet, configuration: .init(runID: "seams"),
                events: { event in
                    if case .stepStarted(let ref) = event, ref.host == lost, ref.name == "check" {
                        return .leaseLost(reason: "broken by drover unlock --force")
                    }
                    return .durable
                })
            let summary = await engine.run()
            #expect(summary.status == .interrupted)
            #expect(summary.hosts.first { $0.name == lost }?.state == .leaseLost)
            let state = try await state(fleet)
            #expect(state[lost] == "deploy / v2", "its check never ran and it was not rolled back: \(state)")
            for host in fleet where host.name != lost { #expect(state[host.name] == "deploy check / v2", "\(state)") }
        }

        @Test func aJournalThatCannotRecordStopsEverythingNew() async throws {
            let fleet = hosts(1...4)
            let engine = engine(
                [stage()], on: fleet, configuration: .init(runID: "seams", forks: 1),
                events: { event in
                    if case .stepStarted(let ref) = event, ref.host == fleet[0].name, ref.name == "check" {
                        return .failed(reason: "database is locked")
                    }
                    return .durable
                })
            let summary = await engine.run()
            #expect(summary.status == .interrupted)
            #expect(summary.reason.hasPrefix("the journal could not record the next step (database is locked)"))
            let state = try await state(fleet)
            #expect(state[fleet[0].name] == "deploy / v2", "\(state)")
            for host in fleet.dropFirst() { #expect(state[host.name] == "none / none", "nothing new started: \(state)") }
        }

        @Test func aPauseAnsweredRetryRunsTheFailedHostAgainAfterItsRollback() async throws {
            let fleet = hosts(5...8)
            let flaky = fleet[1].name
            let gate = ScriptedGate(steps: { outcome in
                outcome.failed.isEmpty
                    ? nil
                    : Decision(
                        action: .pause, rule: Decision.Rule(rawValue: "analysis"), stage: outcome.stage,
                        batch: outcome.batch, reason: "\(outcome.failed.joined(separator: ", ")) failed")
            })
            let operatorDecisions = ScriptedOperator([.init(.retry, by: "oncall", reason: "flaky check, try again")])
            let events = EventRecorder()
            let engine = engine(
                [stage(failOnce: [flaky])], on: fleet,
                configuration: .init(runID: "seams", gates: [gate] + .standard(), operatorDecisions: operatorDecisions),
                events: events.sink)
            let summary = await engine.run()
            #expect(summary.status == .successful, "\(summary.reason)")
            #expect(operatorDecisions.asked.map(\.reason) == ["\(flaky) failed"])
            #expect(events.all.contains { if case .operatorAnswered(let a) = $0 { a.choice == .retry && a.by == "oncall" } else { false } })
            let state = try await state(fleet)
            #expect(state[flaky] == "deploy check revert deploy check / v2", "\(state)")
            #expect(state[fleet[0].name] == "deploy check / v2", "\(state)")
        }

        @Test func aPauseNobodyAnswersRollsBackAtItsTimeout() async throws {
            let fleet = hosts(9...10)
            let clock = ManualClock()
            let gate = ScriptedGate(steps: { outcome in
                Decision(
                    action: .pause, rule: Decision.Rule(rawValue: "canary"), stage: outcome.stage, batch: outcome.batch,
                    reason: "look at the canary", timeout: .seconds(15 * 60))
            })
            let engine = engine(
                [stage()], on: fleet,
                configuration: .init(runID: "seams", gates: [gate] + .standard(), operatorDecisions: ScriptedOperator.never),
                events: { _ in .durable }, sleep: { try await clock.sleep(for: $0) })
            let task = Task { await engine.run() }
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(15 * 60))
            let summary = await task.value
            #expect(summary.status == .rolledBack)
            #expect(summary.reason.contains("nobody answered within 15m00s: rollback, the default"))
            let state = try await state(fleet)
            for host in fleet { #expect(state[host.name] == "deploy check revert / v1", "\(state)") }
        }

        @Test func aResumeDoesNotRunARunOnceStepAgain() async throws {
            let fleet = hosts(11...13)
            let stage = Stage(
                name: Template(literal: "once"), hosts: "app",
                steps: [
                    step("prepare", "mkdir -p {{ root }}"),
                    step("migrate", "echo migrate >> {{ root }}/log") { $0.runOnce = true },
                    step("restart", "mkdir -p {{ root }} && echo restart >> {{ root }}/log"),
                ])
            // The interrupted run: the first host prepared and migrated, then the controller died.
            let resume = ResumeState(completed: [
                ResumeKey(stage: 0, phase: .steps, step: 0, host: fleet[0].name): StepOutcome(status: .ok),
                ResumeKey(stage: 0, phase: .steps, step: 1, host: fleet[0].name): StepOutcome(status: .ok),
            ])
            let events = EventRecorder()
            let engine = engine(
                [stage], on: fleet, configuration: .init(runID: "seams", resume: resume), events: events.sink)
            let summary = await engine.run()
            #expect(summary.status == .successful)
            let started = events.all.compactMap { if case .stepStarted(let ref) = $0, ref.step == 1 { ref.host } else { nil } }
            #expect(started.isEmpty, "nobody announced the migration again")
            let state = try await state(fleet)
            for host in fleet { #expect(state[host.name] == "restart / none", "migrate never ran again: \(state)") }
        }
    }
}
