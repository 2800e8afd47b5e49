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
