/// How the engine reaches hosts. The SSH layer implements it over libssh2; tests use a scripted one.
///
/// A transport hands out one ``HostConnection`` per host; every command of a run goes over it.
public protocol HostTransport: Sendable {
    /// Connects, verifies the host key and authenticates.
    /// - Throws: ``HostError`` (unreachable, host key refused, auth refused, …).
    func connect(to host: Host) async throws -> any HostConnection
}

/// One authenticated session with one host.
public protocol HostConnection: Sendable {
    /// Runs `command` through the remote shell.
    /// - Parameters:
    ///   - input: written to the command's stdin, then end of file (a secret goes here, never into the command).
    ///   - timeout: after this long the remote command is ended and ``HostError/Code/timedOut`` thrown.
    ///   - output: receives every chunk of output as it arrives (the result keeps only a tail).
    /// - Throws: ``HostError``.
    func run(
        _ command: String,
        input: [UInt8],
        timeout: Duration,
        output: (@Sendable (OutputStream, [UInt8]) -> Void)?
    ) async throws -> CommandResult

    /// Copies a local file to `remotePath` atomically (temporary name, then rename) with `mode`,
    /// verifying the size that arrived.
    /// - Throws: ``HostError``.
    func upload(localPath: String, remotePath: String, mode: Int32) async throws

    /// Ends the session politely. Safe to call twice.
    func close() async
}

extension HostConnection {
    public func run(_ command: String, timeout: Duration) async throws -> CommandResult {
        try await run(command, input: [], timeout: timeout, output: nil)
    }

    public func run(
        _ command: String, timeout: Duration, output: (@Sendable (OutputStream, [UInt8]) -> Void)?
    ) async throws -> CommandResult {
        try await run(command, input: [], timeout: timeout, output: output)
    }
}
