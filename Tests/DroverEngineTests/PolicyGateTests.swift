import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Testing

/// The gate before a run connects (approval, emergencies, refusals), window fit, `on_overrun`, and the engine
/// stopping at window end with an injected clock.
@Suite struct PolicyGateTests {
    private static let t = MaintenanceCalendarTests.t
    private static let policy = Policy(environments: ["production": MaintenanceCalendarTests.production])
    private static let approved = ChangeInfo(type: .normal, id: "RFC-2026-0042", approvedBy: "Engineering Manager")

    struct GateCase: Sendable, CustomTestStringConvertible {
        var label: String
        var instant: String
        var change: ChangeInfo
        var emergency: PolicyGate.Emergency?
        var environmentPolicy: EnvironmentPolicy = MaintenanceCalendarTests.production
        var allowed: Bool
        var rule: String
        var overrides: String?? = nil
        var testDescription: String { label }
    }

    static let gateCases: [GateCase] = [
        GateCase(label: "approved normal change inside Primary", instant: "2026-11-22T03:00:00Z", change: approved,
                 allowed: true, rule: "window:Primary"),
        GateCase(label: "routine change needs no approval", instant: "2026-11-22T03:00:00Z",
                 change: ChangeInfo(type: .routine), allowed: true, rule: "window:Primary"),
        GateCase(label: "normal change without approval is refused even in a window", instant: "2026-11-22T03:00:00Z",
                 change: ChangeInfo(type: .normal, id: "RFC-2026-0042"), allowed: false, rule: "approval"),
        GateCase(label: "approved change in a blackout is refused", instant: "2026-11-22T05:30:00Z", change: approved,
                 allowed: false, rule: "blackout:Morning order rush"),
        GateCase(label: "approved change outside windows is refused", instant: "2026-11-23T12:00:00Z",
                 change: approved, allowed: false, rule: "outside_windows"),
        GateCase(label: "emergency overrides the year-end freeze", instant: "2026-12-30T03:00:00Z",
                 change: ChangeInfo(type: .emergency),
                 emergency: .init(reason: "CVE-2026-0001 actively exploited", approvedBy: "CTO"), allowed: true,
                 rule: "blackout:Year-end freeze", overrides: .some("blackout:Year-end freeze")),
        GateCase(label: "emergency inside a window overrides nothing but is still recorded",
                 instant: "2026-11-22T03:00:00Z", change: ChangeInfo(type: .routine),
                 emergency: .init(reason: "hotfix", approvedBy: "CTO"), allowed: true, rule: "window:Primary",
                 overrides: .some(nil)),
        GateCase(label: "emergency where the policy does not allow overrides is refused",
                 instant: "2026-12-30T03:00:00Z", change: ChangeInfo(type: .emergency),
                 emergency: .init(reason: "hotfix", approvedBy: "CTO"),
                 environmentPolicy: EnvironmentPolicy(
                     windows: MaintenanceCalendarTests.production.windows,
                     changeTypes: [.emergency: ChangeTypePolicy(approvalRequired: true, overridesBlackouts: false)]),
                 allowed: false, rule: "emergency_not_allowed"),
    ]

    @Test(arguments: gateCases)
    func gateDecidesFromWindowApprovalAndEmergency(_ example: GateCase) {
        let policy = Policy(environments: ["production": example.environmentPolicy])
        let outcome = PolicyGate.decide(
            policy: policy, environment: "production", change: example.change, emergency: example.emergency,
            at: Self.t(example.instant))
        #expect(outcome.allowed == example.allowed)
        #expect(outcome.check.rule == example.rule)
        if let overrides = example.overrides {
            #expect(outcome.check.emergency?.overrides == overrides)
            #expect(outcome.closesAt == nil, "an emergency has no window end to fit into")
        } else {
            #expect(outcome.check.emergency == nil)
        }
    }

    @Test func refusalIsOneSentenceNamingTheRuleAndTheNextOpening() {
        let outcome = PolicyGate.decide(
            policy: Self.policy, environment: "production", change: Self.approved, emergency: nil,
            at: Self.t("2026-11-29T03:00:00Z"))
        #expect(!outcome.allowed && outcome.refusedForTime)
        #expect(
            outcome.check.sentence
                == "REFUSED by blackout 'Month-end close' in production at Sun 2026-11-29 03:00 UTC; next opening: "
                + "window 'Secondary' at Wed 2026-12-02 02:00 UTC (in 2d 23h), until Wed 2026-12-02 04:00 UTC")
        #expect(outcome.check.nextOpening == PolicyGate.seconds(Self.t("2026-12-02T02:00:00Z")))
    }

    @Test func missingApprovalNamesWhatIsMissing() {
        let outcome = PolicyGate.decide(
            policy: Self.policy, environment: "production", change: ChangeInfo(type: .major), emergency: nil,
            at: Self.t("2026-11-22T03:00:00Z"))
        #expect(
            outcome.check.sentence
                == "REFUSED: a major change in production needs approval, and the playbook's change block lacks "
                + "a change id (change.id: RFC-YYYY-NNNN) and an approver (change.approved_by)")
        #expect(!outcome.refusedForTime)
    }

    @Test func anAllowedRunCarriesTheWindowEnd() {
        let outcome = PolicyGate.decide(
            policy: Self.policy, environment: "production", change: Self.approved, emergency: nil,
            at: Self.t("2026-11-22T03:00:00Z"))
        #expect(outcome.closesAt == Self.t("2026-11-22T05:00:00Z"))
        #expect(outcome.check.closesAt == PolicyGate.seconds(Self.t("2026-11-22T05:00:00Z")))
    }

    @Test func noPolicyMeansNoRestrictionsAndSaysSo() {
        let outcome = PolicyGate.decide(
            policy: nil, environment: "production", change: ChangeInfo(type: .major), emergency: nil,
            at: Self.t("2026-11-22T05:30:00Z"))
        #expect(outcome.allowed && outcome.closesAt == nil)
        #expect(outcome.check.sentence == "open: no policy file: no time restrictions.")
    }

    // MARK: - Window fit

    static let fitCases: [(String, [Int], Int?, Bool)] = [
        // (now, measured batch minutes, estimate per batch in minutes, stops)
        ("2026-11-22T04:00:00Z", [], 30, false),  // 60 minutes left, estimate 30
        ("2026-11-22T04:40:00Z", [], 30, true),  // 20 minutes left, estimate 30
        ("2026-11-22T04:40:00Z", [10, 15], 30, false),  // measured batches win over the estimate
        ("2026-11-22T04:50:00Z", [10, 15], nil, true),  // the longest batch so far decides
        ("2026-11-22T04:59:00Z", [], nil, false),  // no basis for a guess: start while the window is open
        ("2026-11-22T05:00:00Z", [], nil, true),  // closed
    ]

    @Test(arguments: fitCases)
    func aBatchStartsOnlyIfItCanFinishBeforeTheWindowCloses(
        _ now: String, _ measured: [Int], _ estimate: Int?, _ stops: Bool
    ) {
        let input = BatchGateInput(
            stage: 0, batch: 2, stageName: "Roll out", hosts: ["app5"], measured: measured.map { .seconds($0 * 60) },
            elapsed: .zero)
        let decision = WindowFit.decision(
            input, now: Self.t(now), closesAt: Self.t("2026-11-22T05:00:00Z"),
            closing: .blackoutBegins("Morning order rush"), firstBatchEstimate: estimate.map { .seconds($0 * 60) })
        #expect((decision != nil) == stops)
        if let decision {
            #expect(decision.action == .stop && decision.rule == .windowClosing)
            #expect(decision.reason.hasPrefix("batch 3 of 'Roll out' not started"))
        }
    }

    @Test func noWindowEndMeansNoFitCheck() {
        let input = BatchGateInput(stage: 0, batch: 0, stageName: "s", hosts: [], measured: [.seconds(99_999)], elapsed: .zero)
        #expect(WindowFit.decision(input, now: Self.t("2026-11-22T04:00:00Z"), closesAt: nil, closing: nil, firstBatchEstimate: nil) == nil)
    }

    // MARK: - Overrun

    @Test(arguments: [
        (OverrunAction.haltAndRollback, Decision.Action.halt), (.halt, .stop), (.warn, .continue),
    ])
    func overrunFollowsThePolicysAction(_ action: OverrunAction, _ expected: Decision.Action) {
        let decision = DecisionRules.overrun(
            stage: 0, batch: 1, elapsed: .seconds(3601), estimate: .seconds(2400), factor: 1.5, action: action)
        #expect(decision?.action == expected)
        #expect(decision?.rule == .overrun)
        #expect(decision?.reason.hasSuffix("(on_overrun: \(action.name))") == true)
    }

    @Test func stoppedRunsArePartialUnlessARollbackFailed() {
        #expect(DecisionRules.finalStatus(halted: false, stopped: true, interrupted: false, failedHosts: 0, rollbackFailures: 0, unrolledChanges: 0) == .partial)
        #expect(DecisionRules.finalStatus(halted: false, stopped: true, interrupted: false, failedHosts: 1, rollbackFailures: 1, unrolledChanges: 0) == .failed)
    }

    // MARK: - The engine with a manual clock

    private func engineRun(
        onOverrun: OverrunAction = .haltAndRollback, estimate: Duration? = nil, closesAt: Date?
    ) async -> (RunSummary, ScriptedTransport, [RunEvent]) {
        let clock = ManualWallClock(start: Self.t("2026-11-22T02:00:00Z"))
        // Every deploy takes 20 minutes of (manual) time.
        let transport = ScriptedTransport { _ in
            .answers { command in
                if command.hasPrefix("deploy") { clock.advance(by: .seconds(20 * 60)) }
                return CommandResult(exitStatus: 0)
            }
        }
        let hosts = (1...6).map {
            DroverModel.Host(name: "app\($0)", connection: ConnectionSettings(address: "10.0.0.\($0)", user: "u"), groups: ["all", "app"])
        }
        let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: hosts.map(\.name))])
        let playbook = Playbook(
            name: "Update", change: ChangeInfo(estimate: estimate),
            stages: [
                Stage(
                    name: Template(literal: "Roll out"), hosts: "app", serial: [.count(2)],
                    steps: [Step(action: .run(Template("deploy {{ host.name }}")!))],
                    rollback: [Step(action: .run(Template("revert {{ host.name }}")!))])
            ])
        let events = EventRecorder()
        let window = closesAt.map {
            WindowFitGate(now: { clock.date }, closesAt: $0, closing: .windowEnds("Primary"), firstBatchEstimate: nil)
        }
        let engine = RolloutEngine(
            playbook: playbook, inventory: inventory, targets: hosts,
            configuration: .init(
                runID: "r1", forks: 1, gates: .standard(overrunFactor: 1.5, onOverrun: onOverrun, window: window)),
            transport: transport, events: events.sink, sleep: { _ in }, now: { clock.now })
        return (await engine.run(), transport, events.all)
    }

    @Test func aRunWhoseWindowClosesStopsBetweenBatchesAsPartialWithNoHostHalfWay() async {
        // Batches of 2 hosts, one at a time (forks 1): 40 minutes a batch. The window closes at 03:30:
        // batch 1 ends 02:40, batch 2 would end 03:20 (fits), batch 3 would end 04:00 (does not).
        let (summary, transport, events) = await engineRun(closesAt: Self.t("2026-11-22T03:30:00Z"))
        #expect(summary.status == .partial)
        #expect(summary.stopped?.rule == .windowClosing)
        #expect(summary.hosts.map(\.state) == [.ok, .ok, .ok, .ok, .skipped, .skipped])
        #expect(!transport.commands.contains { $0.command.hasPrefix("revert") })
        #expect(!transport.commands.contains { ["app5", "app6"].contains($0.host) })
        #expect(summary.reason.hasPrefix("stopped (batch 3 of 'Roll out' not started: it would need about 40m"))
        #expect(events.contains { if case .decision(let d) = $0 { d.action == .stop } else { false } })
    }

    @Test func onOverrunHaltStopsWithoutRollbackAndWarnGoesOn() async {
        // Estimate 40m × 1.5 = 60m: exceeded before batch 3 (02:00 + 80m).
        let (halted, haltedTransport, _) = await engineRun(onOverrun: .halt, estimate: .seconds(40 * 60), closesAt: nil)
        #expect(halted.status == .partial)
        #expect(halted.stopped?.rule == .overrun)
        #expect(!haltedTransport.commands.contains { $0.command.hasPrefix("revert") })

        let (warned, _, events) = await engineRun(onOverrun: .warn, estimate: .seconds(40 * 60), closesAt: nil)
        #expect(warned.status == .successful)
        let overruns = events.compactMap { event -> Decision? in
            if case .decision(let decision) = event, decision.rule == .overrun { return decision }
            return nil
        }
        #expect(overruns.count == 1 && overruns[0].action == .continue)

        let (rolled, rolledTransport, _) = await engineRun(estimate: .seconds(40 * 60), closesAt: nil)
        #expect(rolled.status == .rolledBack)
        #expect(rolledTransport.commands.filter { $0.command.hasPrefix("revert") }.count == 4)
    }
}
