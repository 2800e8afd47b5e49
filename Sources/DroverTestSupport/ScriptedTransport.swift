import DroverEngine
import DroverModel
import Foundation

/// An in-memory ``HostTransport`` for the engine's unit tests: each host's behaviour is a script.
///
/// No sockets, no sleeps: a command's answer is computed from the host and the command.
public final class ScriptedTransport: HostTransport, @unchecked Sendable {
    /// How a scripted host answers.
    public enum Behaviour: Sendable {
        /// Connects; each command's result comes from the closure.
        case answers(@Sendable (String) -> CommandResult)
        /// Refuses to connect with this error.
        case refuses(HostError)
    }

    private let lock = NSLock()
    private let behaviour: @Sendable (Host) -> Behaviour
    private var log: [(host: String, command: String)] = []
    private var openConnections = 0
    private var peakConnections = 0

    public init(_ behaviour: @escaping @Sendable (Host) -> Behaviour) {
        self.behaviour = behaviour
    }

    /// Every command run, in order, with the host it ran on.
    public var commands: [(host: String, command: String)] { lock.withLock { log } }
    /// What each command was given on stdin, in the order of `commands`.
    public var inputs: [[UInt8]] { lock.withLock { inputLog } }
    private var inputLog: [[UInt8]] = []

    /// The most connections open at the same time.
    public var peakConcurrency: Int { lock.withLock { peakConnections } }

    public func connect(to host: Host) async throws -> any HostConnection {
        switch behaviour(host) {
        case .refuses(let error):
            throw error
        case .answers(let answer):
            lock.withLock {
                openConnections += 1
                peakConnections = max(peakConnections, openConnections)
            }
            // Yield so that concurrently started connects really overlap.
            await Task.yield()
            return Connection(host: host.name, answer: answer, transport: self)
        }
    }

    fileprivate func record(_ host: String, _ command: String, input: [UInt8] = []) {
        lock.withLock {
            log.append((host, command))
            inputLog.append(input)
        }
    }
    fileprivate func closed() { lock.withLock { openConnections -= 1 } }

    private final class Connection: HostConnection, @unchecked Sendable {
        let host: String
        let answer: @Sendable (String) -> CommandResult
        let transport: ScriptedTransport
        private var isClosed = false

        init(host: String, answer: @escaping @Sendable (String) -> CommandResult, transport: ScriptedTransport) {
            self.host = host
            self.answer = answer
            self.transport = transport
        }

        func run(
            _ command: String, input: [UInt8], timeout: Duration,
            output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?
        ) async throws -> CommandResult {
            transport.record(host, command, input: input)
            await Task.yield()
            let result = answer(command)
            output?(.stdout, result.stdoutTail)
            return result
        }

        func upload(localPath: String, remotePath: String, mode: Int32) async throws {
            transport.record(host, "upload \(localPath) \(remotePath) \(String(mode, radix: 8))")
        }

        func close() async {
            guard !isClosed else { return }
            isClosed = true
            transport.closed()
        }
    }
}
