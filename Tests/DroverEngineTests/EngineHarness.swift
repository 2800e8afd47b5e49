import DroverEngine
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization

/// The engine over a scripted transport, for the tests of its seams: app1…appN in group `app`, plus `lb1`.
struct EngineHarness {
    var apps: Int
    var playbook: Playbook
    var configuration = RolloutEngine.Configuration(runID: "r1", forks: 50)
    /// Whether `command` fails on `host`; called once per command, in the order they run on that host.
    var failing: @Sendable (_ host: String, _ command: String, _ attempt: Int) -> Bool = { _, _, _ in false }
    /// The sink's answer to each event (a lost lease, a failing journal).
    var answer: @Sendable (RunEvent) -> Recorded = { _ in .durable }
    var sleep: @Sendable (Duration) async throws -> Void = { _ in }
    /// The clock batch and run durations are measured with.
    var now: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    var stop = StopSignal()

    init(apps: Int, playbook: Playbook) {
        self.apps = apps
        self.playbook = playbook
    }

    var inventory: Inventory {
        var hosts = (1...apps).map {
            DroverModel.Host(name: "app\($0)", connection: ConnectionSettings(address: "10.0.0.\($0)", user: "u"), groups: ["all", "app"])
        }
        hosts.append(DroverModel.Host(name: "lb1", connection: ConnectionSettings(address: "10.0.1.1", user: "u"), groups: ["all", "lb"]))
        return Inventory(
            hosts: hosts,
            groups: [
                InventoryGroup(name: "app", hosts: (1...apps).map { "app\($0)" }), InventoryGroup(name: "lb", hosts: ["lb1"]),
            ])
    }

    struct Outcome {
        var summary: RunSummary
        var transport: ScriptedTransport
        var events: [RunEvent]

        /// The commands that ran on `host`, in order.
        func commands(on host: String) -> [String] { transport.commands.filter { $0.host == host }.map(\.command) }
        func state(_ host: String) -> HostSummary.State? { summary.hosts.first { $0.name == host }?.state }
        var decisions: [Decision] { events.compactMap { if case .decision(let d) = $0 { d } else { nil } } }
        var answers: [OperatorAnswer] { events.compactMap { if case .operatorAnswered(let a) = $0 { a } else { nil } } }
        var started: [StepRef] { events.compactMap { if case .stepStarted(let ref) = $0 { ref } else { nil } } }
    }

    /// The engine, ready to run.
    func engine(recorder: EventRecorder, transport: ScriptedTransport) -> RolloutEngine {
        let inventory = inventory
        return RolloutEngine(
            playbook: playbook, inventory: inventory, targets: inventory.hosts, configuration: configuration,
            transport: transport, stop: stop, events: recorder.sink, sleep: sleep, now: now)
    }

    func transport() -> ScriptedTransport {
        let failing = self.failing
        let attempts = Mutex<[String: Int]>([:])
        return ScriptedTransport { host in
            .answers { command in
                let attempt = attempts.withLock { counts in
                    counts["\(host.name) \(command)", default: 0] += 1
                    return counts["\(host.name) \(command)"]!
                }
                return CommandResult(exitStatus: failing(host.name, command, attempt) ? 1 : 0, stderrTail: Array("boom".utf8))
            }
        }
    }

    func run() async -> Outcome {
        let recorder = EventRecorder(answer: answer)
        let transport = transport()
        let summary = await engine(recorder: recorder, transport: transport).run()
        return Outcome(summary: summary, transport: transport, events: recorder.all)
    }

    static func step(_ command: String, _ configure: (inout Step) -> Void = { _ in }) -> Step {
        var step = Step(action: .run(Template(command)!))
        configure(&step)
        return step
    }

    /// One stage over `app`: deploy and check each host, revert on rollback.
    static func rollout(serial: [SerialEntry], maxFailPercentage: Double? = nil, _ configure: (inout Stage) -> Void = { _ in }) -> Playbook {
        var stage = Stage(
            name: Template(literal: "Roll out"), hosts: "app", serial: serial, maxFailPercentage: maxFailPercentage,
            steps: [step("deploy {{ host.name }}"), step("check {{ host.name }}")],
            rollback: [step("revert {{ host.name }}")])
        configure(&stage)
        return Playbook(name: "Update", stages: [stage])
    }

    /// A pause decision as a gate would answer it.
    static func pause(_ batch: BatchOutcome, timeout: Duration? = nil) -> Decision {
        Decision(
            action: .pause, rule: Decision.Rule(rawValue: "analysis"), stage: batch.stage, batch: batch.batch,
            reason: "batch \(batch.batch + 1): \(batch.failed.count) failed, asking", timeout: timeout)
    }
}
