import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// `drover run`'s way of running commands: one remote shell per session, a command at a time.
    @Suite("shared shell over real sshd", .timeLimit(.minutes(2)))
    struct SharedShellTests {
        init() throws { try Testbed.ensureUp() }

        /// The pid of the shell that started the command: `sh -c` runs under `timeout`, whose parent it is.
        static let shellPID = "ps -o ppid= -p $PPID | tr -d ' '"

        @Test func runsEveryCommandThroughOneShellEachInItsOwnProcess() async throws {
            let connection = try await makeRunTransport().connect(to: Testbed.host(8))
            let first = try await connection.run(
                "echo \"$(\(Self.shellPID))\"; export LEFT=over; cd /tmp; echo $$", timeout: .seconds(10))
            let second = try await connection.run(
                "echo \"$(\(Self.shellPID))\"; echo \"${LEFT-unset} $(pwd)\"; echo $$", timeout: .seconds(10))
            await connection.close()
            let one = first.stdout.split(separator: "\n"), two = second.stdout.split(separator: "\n")
            #expect(one.count == 2 && two.count == 3)
            #expect(one[0] == two[0], "both commands ran under the same shell")
            #expect(one[1] != two[2], "each command is its own process")
            // Nothing a command sets survives it: the second starts in the home directory, without the variable.
            #expect(two[1] == "unset /root")
        }

        @Test func keepsStdoutStderrAndTheExitStatusOfEachCommand() async throws {
            let connection = try await makeRunTransport().connect(to: Testbed.host(9))
            let failed = try await connection.run("echo out; echo err >&2; exit 3", timeout: .seconds(10))
            let unterminated = try await connection.run("printf 'no newline'; printf 'é' >&2", timeout: .seconds(10))
            let silent = try await connection.run("true", timeout: .seconds(10))
            let blankLines = try await connection.run("printf '\\n\\n'", timeout: .seconds(10))
            await connection.close()
            #expect(failed.exitStatus == 3 && failed.stdout == "out\n" && failed.stderr == "err\n")
            #expect(unterminated.exitStatus == 0 && unterminated.stdout == "no newline" && unterminated.stderr == "é")
            #expect(silent.exitStatus == 0 && silent.stdoutBytes == 0 && silent.stderrBytes == 0)
            #expect(blankLines.stdout == "\n\n" && blankLines.stdoutBytes == 2)
        }

        @Test func aCommandReadingStdinGetsEndOfFileAndInputStillArrives() async throws {
            let connection = try await makeRunTransport().connect(to: Testbed.host(10))
            let noInput = try await connection.run("cat; echo after", timeout: .seconds(10))
            // With input the command gets a channel of its own (the shell's stdin carries the commands).
            let withInput = try await connection.run(
                "cat", input: Array("secret\n".utf8), timeout: .seconds(10), output: nil)
            let next = try await connection.run("echo next", timeout: .seconds(10))
            await connection.close()
            #expect(noInput.stdout == "after\n")
            #expect(withInput.stdout == "secret\n")
            #expect(next.stdout == "next\n")
        }

        @Test func outputThatLooksLikeAMarkerIsOutput() async throws {
            let connection = try await makeRunTransport().connect(to: Testbed.host(11))
            let result = try await connection.run(
                "printf '\\ndrover-0123456789abcdef 0\\n'; printf '\\ndrover-0123456789abcdef\\n' >&2; exit 4",
                timeout: .seconds(10))
            await connection.close()
            #expect(result.exitStatus == 4)
            #expect(result.stdout == "\ndrover-0123456789abcdef 0\n")
            #expect(result.stderr == "\ndrover-0123456789abcdef\n")
        }

        @Test func megabytesOfStdoutAndStderrArriveWhole() async throws {
            let connection = try await makeRunTransport().connect(to: Testbed.host(12))
            try await expectMegabytesArriveWhole(over: connection)
            let after = try await connection.run("echo still here", timeout: .seconds(10))
            await connection.close()
            #expect(after.stdout == "still here\n", "the markers were all read: the next command starts clean")
        }

        @Test func timeoutEndsTheRemoteCommandAndTheShellCarriesOn() async throws {
            let marker = "60.\(Int.random(in: 1000...9999))"
            let connection = try await makeRunTransport().connect(to: Testbed.host(13))
            let clock = ContinuousClock()
            let start = clock.now
            await #expect {
                _ = try await connection.run("sleep \(marker)", timeout: .seconds(1))
            } throws: { error in
                (error as? HostError)?.code == .timedOut && (error as? HostError)?.message.contains("ended on the host") == true
            }
            let elapsed = start.duration(to: clock.now)
            #expect(elapsed >= .seconds(1) && elapsed < .seconds(4), "reported after \(elapsed)")
            let check = try await connection.run("ps -eo args | grep -c '[s]leep \(marker)' || true", timeout: .seconds(10))
            await connection.close()
            #expect(check.stdout == "0\n")
        }

        @Test func aCommandKilledBySignalIsReportedAsTheShellSeesIt() async throws {
            let connection = try await makeRunTransport().connect(to: Testbed.host(14))
            let result = try await connection.run("echo before; kill -TERM $$; echo after", timeout: .seconds(10))
            await connection.close()
            #expect(result.exitStatus == Int32(128 + 15))
            #expect(result.exitSignal == nil)
            #expect(result.stdout == "before\n")
        }

        @Test func cancellingARunningCommandEndsItOnTheHostAndKeepsTheSession() async throws {
            let marker = "30.\(Int.random(in: 1000...9999))"
            let connection = try await makeRunTransport().connect(to: Testbed.host(16))
            let running = Task { try await connection.run("echo started; sleep \(marker)", timeout: .seconds(60)) }
            // Cancel once the command runs on the host (seen from a second session).
            let observer = try await makeTransport().connect(to: Testbed.host(16))
            var seen = false
            for _ in 0..<100 {
                seen = try await observer.run("pgrep -f '^sleep \(marker)$' >/dev/null", timeout: .seconds(10)).succeeded
                if seen { break }
            }
            #expect(seen)
            running.cancel()
            await #expect(throws: CancellationError.self) { _ = try await running.value }
            // The next command on the session waits until the cancelled one has ended on the host.
            let after = try await connection.run(
                "pgrep -f '^sleep \(marker)$' >/dev/null && echo still running || echo gone", timeout: .seconds(20))
            await connection.close()
            await observer.close()
            #expect(after.stdout == "gone\n")
        }

        @Test func aKilledShellFailsOnlyItsCommandAndTheNextStartsAFreshOne() async throws {
            let connection = try await makeRunTransport().connect(to: Testbed.host(15))
            let before = try await connection.run(Self.shellPID, timeout: .seconds(10))
            await #expect {
                _ = try await connection.run("kill -KILL \"$(\(Self.shellPID))\"; sleep 1", timeout: .seconds(10))
            } throws: { error in
                (error as? HostError)?.code == .noExitStatus
                    && (error as? HostError)?.message.contains("the remote shell running the command ended") == true
            }
            let after = try await connection.run(Self.shellPID, timeout: .seconds(10))
            await connection.close()
            #expect(after.exitStatus == 0)
            #expect(!before.stdout.isEmpty && after.stdout != before.stdout)
        }
    }
}
