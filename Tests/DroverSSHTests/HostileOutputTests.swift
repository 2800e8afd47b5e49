import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// Hosts whose commands print without end, print binary, or print terminal escapes: the transport passes every
    /// byte on untouched, counts it, keeps only a tail, and stays within the step's timeout.
    @Suite("hostile output over real sshd", .timeLimit(.minutes(3)))
    struct HostileOutputTests {
        init() throws { try Testbed.ensureUp() }

        /// Both ways of running commands: a channel per command (`exec`, `ping`) and the shared shell (`run`).
        static let transports: [(String, @Sendable () -> SSHTransport)] = [
            ("channel per command", { makeTransport() }), ("shared shell", { makeRunTransport() }),
        ]

        @Test(arguments: [0, 1])
        func endlessOutputIsEndedByTheTimeoutWithMemoryBounded(_ which: Int) async throws {
            let (name, transport) = Self.transports[which]
            let connection = try await transport().connect(to: Testbed.host(17))
            let counter = ByteCounter()
            let memory = ResidentMemory()
            let clock = ContinuousClock()
            let start = clock.now
            await #expect {
                _ = try await connection.run("yes drover-endless-output", timeout: .seconds(3)) { stream, chunk in
                    counter.add(stream, chunk)
                    memory.sample()
                }
            } throws: { error in
                (error as? HostError)?.code == .timedOut
                    && (error as? HostError)?.message.contains("ran longer than its 3s timeout and was ended on the host")
                        == true
            }
            // Only catches a hang: the remote `timeout` ends it at 3 s, the controller gives up at 8 s.
            #expect(start.duration(to: clock.now) < .seconds(30), "\(name)")
            let streamed = counter.counts[.stdout] ?? 0
            #expect(streamed > 1_000_000, "\(name): output flowed (\(streamed) bytes)")
            // Kept whole, the output would have grown the process by what streamed; the tail is 64 KiB.
            #expect(memory.growth < max(64 << 20, streamed / 2), "\(name): grew \(memory.growth) for \(streamed)")
            let next = try await connection.run("echo next", timeout: .seconds(10))
            await connection.close()
            #expect(next.stdout == "next\n", "\(name): the session is still usable")
        }

        @Test(arguments: [0, 1])
        func aHundredMegabytesArriveCountedWithOnlyTheTailKept(_ which: Int) async throws {
            let (name, transport) = Self.transports[which]
            let connection = try await transport().connect(to: Testbed.host(18))
            let counter = ByteCounter()
            let memory = ResidentMemory()
            let result = try await connection.run("head -c 100000000 /dev/zero | tr '\\0' o", timeout: .seconds(120)) {
                stream, chunk in
                counter.add(stream, chunk)
                memory.sample()
            }
            await connection.close()
            #expect(result.exitStatus == 0, "\(name)")
            #expect(result.stdoutBytes == 100_000_000, "\(name)")
            #expect(counter.counts[.stdout] == 100_000_000, "\(name)")
            #expect(counter.onlyExpectedBytes, "\(name)")
            #expect(result.stdoutTail.count == 64 * 1024, "\(name)")
            #expect(memory.growth < 50 << 20, "\(name): grew \(memory.growth) bytes for 100 MB of output")
        }

        /// Every byte value, NUL included, many times over; lines that look like the shared shell's markers; a
        /// last line without a newline.
        static let binary: [UInt8] = {
            var bytes: [UInt8] = []
            for round in 0..<64 { bytes += (0...255).map { UInt8(($0 + round) % 256) } }
            bytes += Array("\ndrover-0123456789abcdef 0\n\ndrover-0123456789abcdef\n\0\0".utf8)
            return bytes
        }()

        @Test(arguments: [0, 1])
        func binaryAndNULOutputArrivesIntactOnBothStreams(_ which: Int) async throws {
            let (name, transport) = Self.transports[which]
            let directory = try temporaryDirectory()
            let local = directory + "/binary"
            try Data(Self.binary).write(to: URL(fileURLWithPath: local))
            let remote = "/srv/host/hostile-binary-\(UUID().uuidString)"
            let connection = try await transport().connect(to: Testbed.host(Testbed.scratchHost))
            try await connection.upload(localPath: local, remotePath: remote, mode: 0o644)
            let counter = ByteCounter()
            let result = try await connection.run("cat \(remote); cat \(remote) >&2; rm -f \(remote)", timeout: .seconds(30)) {
                stream, chunk in counter.add(stream, chunk)
            }
            await connection.close()
            #expect(result.exitStatus == 0, "\(name)")
            #expect(result.stdoutTail == Self.binary, "\(name): stdout intact")
            #expect(result.stderrTail == Self.binary, "\(name): stderr intact")
            #expect(result.stdoutBytes == Self.binary.count && result.stderrBytes == Self.binary.count, "\(name)")
            #expect(counter.counts == [.stdout: Self.binary.count, .stderr: Self.binary.count], "\(name)")
        }

        @Test(arguments: [0, 1])
        func terminalEscapesPassThroughTheTransportUntouched(_ which: Int) async throws {
            let (name, transport) = Self.transports[which]
            // An OSC title, a clear-screen, colours, a cursor move, a bell and a carriage return.
            let escapes = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{1B}[31mred\u{1B}[0m\u{1B}[10;1H\u{07}\rline\n"
            let printf = ShellQuote.quote(escapes.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "%%"))
            let connection = try await transport().connect(to: Testbed.host(19))
            let result = try await connection.run("printf \(printf); printf \(printf) >&2", timeout: .seconds(10))
            await connection.close()
            #expect(result.stdoutTail == Array(escapes.utf8), "\(name)")
            #expect(result.stderrTail == Array(escapes.utf8), "\(name)")
        }
    }
}

/// The process's resident memory, sampled now and then: how far it rose above where it was at creation.
final class ResidentMemory: @unchecked Sendable {
    private let lock = NSLock()
    private let baseline: Int
    private var peak: Int
    private var calls = 0

    init() {
        baseline = Self.resident()
        peak = baseline
    }

    /// Samples every 64th call (reading /proc costs a little).
    func sample() {
        lock.withLock {
            calls += 1
            guard calls % 64 == 0 else { return }
            peak = max(peak, Self.resident())
        }
    }

    /// The highest sample above the baseline, in bytes.
    var growth: Int { lock.withLock { max(0, max(peak, Self.resident()) - baseline) } }

    /// Resident bytes, from /proc/self/statm (its second field, in pages).
    static func resident() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
