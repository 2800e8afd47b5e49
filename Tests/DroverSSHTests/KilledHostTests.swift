import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// A host that dies under a running command (as a crash or a power-off does): the error says what happened in
    /// words, and keeps libssh2's name for it as the machine-readable cause.
    @Suite("killed hosts over real sshd", .timeLimit(.minutes(2)))
    struct KilledHostTests {
        init() throws { try Testbed.ensureUp() }

        static let label = "\(Testbed.name(Testbed.killHost)) (\(Testbed.address(Testbed.killHost)))"

        /// Freezes every process of the host, then kills them: nothing on it runs in between (a shell that saw its
        /// child die first would report an exit status before the connection closes), as when power fails.
        static func powerOff() throws {
            try Testbed.script("hang", String(Testbed.killHost))
            try Testbed.script("kill", String(Testbed.killHost))
        }

        @Test(.serialized, arguments: [0, 1])  // one host to kill: one case at a time
        func aHostKilledMidCommandIsReportedInWords(_ which: Int) async throws {
            let (name, transport) = HostileOutputTests.transports[which]
            defer { _ = try? Testbed.script("up", String(Testbed.size)) }
            let connection = try await transport().connect(to: Testbed.host(Testbed.killHost))
            let (started, signal) = AsyncStream.makeStream(of: Void.self)
            let running = Task {
                try await connection.run("echo running; sleep 60", timeout: .seconds(90)) { _, _ in signal.yield() }
            }
            for await _ in started { break }
            try Self.powerOff()
            let error = await #expect(throws: HostError.self) { _ = try await running.value }
            #expect(error?.code == .connectionLost, "\(name)")
            #expect(
                error?.message == "the connection to \(Self.label) was closed by the host during the command: "
                    + "rebooted, or sshd killed?", "\(name): \(error?.message ?? "")")
            #expect(
                ["LIBSSH2_ERROR_SOCKET_RECV", "LIBSSH2_ERROR_SOCKET_DISCONNECT"].contains(error?.cause ?? ""),
                "\(name): \(error?.cause ?? "no cause")")
            await connection.close()
        }

        @Test func aHostKilledMidUploadIsReportedInWords() async throws {
            defer { _ = try? Testbed.script("up", String(Testbed.size)) }
            let directory = try temporaryDirectory()
            let file = directory + "/big"
            _ = try local("truncate -s 1G \(file)")  // a sparse gigabyte: seconds of upload, no disk
            let name = "killed-upload-\(UUID().uuidString)"
            let connection = try await makeTransport().connect(to: Testbed.host(Testbed.killHost))
            let upload = Task { try await connection.upload(localPath: file, remotePath: "/srv/host/\(name)", mode: 0o644) }
            // Power off once the upload's temporary file exists on the host (seen from a second session).
            let observer = try await makeTransport().connect(to: Testbed.host(Testbed.killHost))
            var seen = false
            for _ in 0..<200 where !seen {
                seen = try await observer.run("ls /srv/host/.\(name).drover-* >/dev/null 2>&1", timeout: .seconds(10))
                    .succeeded
            }
            try #require(seen)
            try Self.powerOff()
            let error = await #expect(throws: HostError.self) { try await upload.value }
            #expect(error?.code == .connectionLost)
            #expect(
                error?.message == "the connection to \(Self.label) was closed by the host during the upload: "
                    + "rebooted, or sshd killed?", "\(error?.message ?? "")")
            #expect(error?.cause?.hasPrefix("LIBSSH2_ERROR_SOCKET_") == true, "\(error?.cause ?? "no cause")")
            _ = try? Testbed.script("up", String(Testbed.size))
            let cleanup = try await makeTransport().connect(to: Testbed.host(Testbed.killHost))
            _ = try await cleanup.run("rm -f /srv/host/.\(name).drover-*", timeout: .seconds(10))
            await cleanup.close()
        }

        @Test func aStepOnAKilledHostFailsWithTheSentenceAndItsCodeInTheOutcome() async throws {
            defer { _ = try? Testbed.script("up", String(Testbed.size)) }
            var host = Testbed.host(Testbed.killHost)
            host.groups = ["all", "app"]
            let inventory = Inventory(hosts: [host], groups: [InventoryGroup(name: "app", hosts: [host.name])])
            let pool = ConnectionPool(transport: makeRunTransport())
            let runner = StepRunner(
                pool: pool, inventory: inventory, runID: "killed", baseDirectory: "", checkOnly: false,
                sleep: { _ in })
            // Kill the host once the step's command runs on it (seen from a second session).
            let marker = "60.\(Int.random(in: 1000...9999))"
            let step = Step(name: "long", action: .run(Template("sleep \(marker)")!))
            let context = TemplateContext(
                runID: "killed", host: host, stageName: "s", batchIndex: 0, batchHosts: [host.name], playbookVars: [:])
            let outcome = Task { [runner, step, host, context] in await runner.run(step, for: host, context: context) }
            let observer = try await makeTransport().connect(to: host)
            var seen = false
            for _ in 0..<100 where !seen {
                seen = try await observer.run("pgrep -f '^sleep \(marker)$' >/dev/null", timeout: .seconds(10)).succeeded
            }
            try #require(seen)
            try Self.powerOff()
            let result = await outcome.value
            await pool.closeAll()
            #expect(result.status == .failed)
            #expect(
                result.reason == "the connection to \(Self.label) was closed by the host during the command: "
                    + "rebooted, or sshd killed?", "\(result.reason ?? "")")
            #expect(result.hostError?.code == .connectionLost)
            #expect(result.hostError?.cause?.hasPrefix("LIBSSH2_ERROR_SOCKET_") == true)
            // The outcome is what the journal stores: the code survives a round trip through JSON.
            let decoded = try JSONDecoder().decode(StepOutcome.self, from: JSONEncoder().encode(result))
            #expect(decoded.hostError == result.hostError)
        }
    }
}
