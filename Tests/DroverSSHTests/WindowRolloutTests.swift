import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// Window fit over real sshd hosts, with a manual clock: the window "closes" after batch 1 without any waiting.
    @Suite("maintenance window over real sshd", .timeLimit(.minutes(2)))
    struct WindowRolloutTests {
        init() throws { try Testbed.ensureUp() }

        @Test func aRunWhoseWindowClosesAfterBatchOneStopsAsPartialWithEveryHostConsistent() async throws {
            let root = "/srv/host/window-\(UUID().uuidString.prefix(8))"
            let hosts = (1...6).map { index -> DroverModel.Host in
                var host = Testbed.host(index)
                host.groups = ["all", "app"]
                return host
            }
            let prepare = "mkdir -p \(root)/releases/v1 && ln -sfn \(root)/releases/v1 \(root)/current"
            let setup = await FanOut(transport: makeTransport(), forks: 10).run(prepare, timeout: .seconds(20), on: hosts)
            try #require(setup.allSatisfy { $0.succeeded })

            // The window opens at 02:00 and closes at 02:45. Batch 1 (3 hosts) "takes" 30 minutes on the manual
            // clock, so batch 2 cannot finish in the 15 minutes left.
            let clock = ManualWallClock(start: WindowTestTime.instant("2026-11-22T02:00:00Z"))
            let closesAt = WindowTestTime.instant("2026-11-22T02:45:00Z")
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", serial: [.count(3)],
                steps: [
                    Step(name: "deploy v2", action: .run(Template("mkdir -p \(root)/releases/v2")!)),
                    Step(name: "switch", action: .run(Template("ln -sfn \(root)/releases/v2 \(root)/current")!)),
                ],
                rollback: [Step(name: "switch back", action: .run(Template("ln -sfn \(root)/releases/v1 \(root)/current")!))])
            let inventory = Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: hosts.map(\.name))])
            let engine = RolloutEngine(
                playbook: Playbook(name: "window demo", stages: [stage]), inventory: inventory, targets: hosts,
                configuration: .init(
                    runID: "window-test",
                    gates: .standard(
                        window: WindowFitGate(
                            now: { clock.date }, closesAt: closesAt, closing: .windowEnds("Primary"),
                            firstBatchEstimate: .seconds(20 * 60)))),
                transport: makeRunTransport(),
                events: { event in
                    // Each host's switch "takes" 10 minutes: batch 1 measures 30.
                    if case .stepFinished(let ref, _) = event, ref.name == "switch" { clock.advance(by: .seconds(10 * 60)) }
                    return .durable
                },
                now: { clock.now })
            let summary = await engine.run()

            #expect(summary.status == .partial)
            #expect(summary.status.exitCode == 3)
            #expect(summary.stopped?.rule == .windowClosing)
            #expect(summary.hosts.map(\.state) == [.ok, .ok, .ok, .skipped, .skipped, .skipped])
            // Every host is consistent: batch 1 fully on v2, the rest untouched on v1; nothing half-way.
            var releases: [String: String] = [:]
            for host in hosts {
                let connection = try await makeTransport().connect(to: host)
                let output = try await connection.run(
                    "basename \"$(readlink \(root)/current)\"; test -d \(root)/releases/v2 && echo deployed; rm -rf \(root)",
                    timeout: .seconds(10))
                await connection.close()
                releases[host.name] = output.stdout.split(separator: "\n").joined(separator: " ")
            }
            for host in hosts.prefix(3) { #expect(releases[host.name] == "v2 deployed", "\(releases)") }
            for host in hosts.suffix(3) { #expect(releases[host.name] == "v1", "\(releases)") }
        }
    }
}

/// ISO 8601 instants for the window tests.
enum WindowTestTime {
    static func instant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
}
