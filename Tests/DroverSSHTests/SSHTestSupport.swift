import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

/// The integration suites, one at a time: the 500-session test saturates this 2-core machine, and the
/// failure tests measure how long a timeout takes, so nothing else should run beside them.
@Suite(.serialized) struct OverRealSSH {}

/// A transport for the tests; failure tests pass short timeouts so they finish quickly.
func makeTransport(connectTimeout: Duration = .seconds(30)) -> SSHTransport {
    SSHTransport(options: SSHOptions(connectTimeout: connectTimeout, keepalive: .seconds(5)))
}

/// The transport `drover run` uses: every session runs its commands through one shared shell.
func makeRunTransport(connectTimeout: Duration = .seconds(30)) -> SSHTransport {
    SSHTransport(options: SSHOptions(connectTimeout: connectTimeout, keepalive: .seconds(5), commands: .sharedShell))
}

/// Connects to testbed host `index`, runs `command`, closes.
func runOn(_ index: Int, _ command: String, timeout: Duration = .seconds(30)) async throws -> CommandResult {
    let connection = try await makeTransport().connect(to: Testbed.host(index))
    defer { Task { await connection.close() } }
    return try await connection.run(command, timeout: timeout)
}

/// Runs a command that writes 3 MB to stdout and 1 MB to stderr at once over `connection`, and checks that every
/// byte arrived, streamed as it came and counted, with only a tail of each kept.
func expectMegabytesArriveWhole(over connection: any HostConnection) async throws {
    let counter = ByteCounter()
    let result = try await connection.run(
        "head -c 3000000 /dev/zero | tr '\\0' o & head -c 1000000 /dev/zero | tr '\\0' e >&2 & wait",
        timeout: .seconds(30)
    ) { stream, chunk in counter.add(stream, chunk) }
    #expect(result.exitStatus == 0)
    #expect(result.stdoutBytes == 3_000_000 && result.stderrBytes == 1_000_000)
    #expect(counter.counts == [.stdout: 3_000_000, .stderr: 1_000_000])
    #expect(counter.onlyExpectedBytes, "each stream carried only its own bytes")
    #expect(result.stdoutTail.count == 64 * 1024)
    #expect(result.stdoutTail.allSatisfy { $0 == UInt8(ascii: "o") })
}

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "drover-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs a local command and returns its stdout, trimmed.
func local(_ command: String) throws -> String {
    let result = try Subprocess.run("/bin/sh", ["-c", command])
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}
