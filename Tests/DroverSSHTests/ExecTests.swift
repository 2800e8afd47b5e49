import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    @Suite("exec over real sshd", .timeLimit(.minutes(2)))
    struct ExecTests {
        init() throws { try Testbed.ensureUp() }

        @Test func inputReachesTheCommandsStdinFollowedByEndOfFile() async throws {
            let connection = try await makeTransport().connect(to: Testbed.host(3))
            let result = try await connection.run(
                "cat; echo done", input: Array("line one\nline two\n".utf8), timeout: .seconds(10), output: nil)
            await connection.close()
            #expect(result.stdout == "line one\nline two\ndone\n")
        }

        @Test func pingsTwentyHostsAndEachSeesItsOwnPrivateDirectory() async throws {
            let hosts = Testbed.sharedHosts.map { Testbed.host($0) }
            let outcomes = await FanOut(transport: makeTransport(), forks: 20)
                .run("cat /srv/host/name; hostname", timeout: .seconds(20), on: hosts)
            #expect(outcomes.count == 20)
            for outcome in outcomes {
                let result = try outcome.result.get()
                #expect(result.exitStatus == 0)
                #expect(result.stdout == "\(outcome.host.name)\n\(outcome.host.name)\n")
            }
        }

        @Test func keepsStdoutAndStderrApartWithTheExitStatus() async throws {
            let result = try await runOn(1, "echo out; echo err >&2; exit 3")
            #expect(result.exitStatus == 3)
            #expect(result.exitSignal == nil)
            #expect(result.stdout == "out\n")
            #expect(result.stderr == "err\n")
            #expect(!result.succeeded)
        }

        @Test func reportsTheSignalThatEndedTheCommand() async throws {
            let result = try await runOn(2, "echo before; kill -TERM $$; echo after")
            #expect(result.exitSignal == "TERM")
            #expect(result.exitStatus == nil)
            #expect(result.stdout == "before\n")
        }

        @Test func carriesNonASCIICommandsAndOutput() async throws {
            let result = try await runOn(3, "printf '%s\\n' 'Grüße — 東京 ✓'; echo 'ошибка' >&2")
            #expect(result.stdout == "Grüße — 東京 ✓\n")
            #expect(result.stderr == "ошибка\n")
        }

        @Test func quotesArgumentsSoTheyReachTheShellAsOneWord() async throws {
            let hostile = "a'b; echo injected $(id -u) `id`"
            let result = try await runOn(4, "printf '%s' \(ShellQuote.quote(hostile))")
            #expect(result.stdout == hostile)
        }

        @Test func timeoutEndsTheRemoteCommand() async throws {
            let marker = "60.\(Int.random(in: 1000...9999))"
            let connection = try await makeTransport().connect(to: Testbed.host(5))
            let clock = ContinuousClock()
            let start = clock.now
            await #expect {
                _ = try await connection.run("sleep \(marker)", timeout: .seconds(1))
            } throws: { error in
                (error as? HostError)?.code == .timedOut && (error as? HostError)?.message.contains("ended on the host") == true
            }
            let elapsed = start.duration(to: clock.now)
            #expect(elapsed >= .seconds(1))
            #expect(elapsed < .seconds(4), "reported after \(elapsed)")
            // The same session still works, and the sleep is gone from the host.
            let check = try await connection.run("ps -eo args | grep -c '[s]leep \(marker)' || true", timeout: .seconds(10))
            #expect(check.stdout == "0\n")
            await connection.close()
        }

        @Test func capturesMegabytesOfStdoutAndStderrTogetherWithoutStalling() async throws {
            let connection = try await makeTransport().connect(to: Testbed.host(6))
            try await expectMegabytesArriveWhole(over: connection)
            await connection.close()
        }

        @Test func runsManyCommandsOverOneSession() async throws {
            let connection = try await makeTransport().connect(to: Testbed.host(7))
            for step in 1...20 {
                let result = try await connection.run("echo \(step)", timeout: .seconds(10))
                #expect(result.stdout == "\(step)\n")
            }
            await connection.close()
        }

        @Test func reachesManyHostsThroughOneJumpHost() async throws {
            let jump = ConnectionSettings.Jump(address: Testbed.address(12))
            let hosts = (13...20).map { index in
                var host = Testbed.host(index)
                host.connection.proxyJump = [jump]
                return host
            }
            let outcomes = await FanOut(transport: makeTransport(), forks: 8)
                .run("cat /srv/host/name; head -c 2000000 /dev/zero | wc -c", timeout: .seconds(30), on: hosts)
            for outcome in outcomes {
                #expect(try outcome.result.get().stdout == "\(outcome.host.name)\n2000000\n")
            }
        }

        @Test func jumpHostThatCannotReachTheTargetSaysSo() async throws {
            var host = Testbed.host(13)
            host.connection.address = "127.0.250.250"
            host.connection.proxyJump = [ConnectionSettings.Jump(address: Testbed.address(12))]
            await #expect {
                _ = try await makeTransport().connect(to: host)
            } throws: { error in
                guard let error = error as? HostError else { return false }
                return error.code == .unreachable
                    && error.message.contains("the jump host \(Testbed.address(12)) could not open a tunnel")
            }
        }

        @Test func fiveHundredConcurrentSessionsAreRoutine() async throws {
            // 500 sessions at once over the 20 shared hosts (25 each), all on the one reactor thread.
            let hosts = (0..<500).map { Testbed.host(Testbed.sharedHosts.lowerBound + $0 % 20) }
            let outcomes = await FanOut(transport: makeTransport(connectTimeout: .seconds(60)), forks: 500)
                .run("echo $PPID", timeout: .seconds(60), on: hosts)
            let failures = outcomes.filter { !$0.succeeded }
            #expect(failures.isEmpty, "\(failures.prefix(3).map { "\($0.host.name): \($0.result)" })")
            // Every session was its own sshd session process.
            let sessions = Set(outcomes.compactMap { try? $0.result.get().stdout })
            #expect(sessions.count == 500)
        }
    }
}

/// Counts streamed bytes per stream, checking that each stream carried only its own filler byte.
final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var totals: [DroverModel.OutputStream: Int] = [:]
    private var clean = true

    func add(_ stream: DroverModel.OutputStream, _ chunk: [UInt8]) {
        let expected = stream == .stdout ? UInt8(ascii: "o") : UInt8(ascii: "e")
        lock.withLock {
            totals[stream, default: 0] += chunk.count
            if !chunk.allSatisfy({ $0 == expected }) { clean = false }
        }
    }

    var counts: [DroverModel.OutputStream: Int] { lock.withLock { totals } }
    var onlyExpectedBytes: Bool { lock.withLock { clean } }
}
