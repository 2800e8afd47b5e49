public import DroverModel

/// What happened on one host in an ad-hoc fan-out (`drover ping`, `drover exec`).
public struct HostOutcome: Sendable {
    public var host: Host
    /// The command's result, or why the host could not run it.
    public var result: Result<CommandResult, HostError>
    /// From the start of the connect to the end of the command.
    public var duration: Duration

    public init(host: Host, result: Result<CommandResult, HostError>, duration: Duration) {
        self.host = host
        self.result = result
        self.duration = duration
    }

    /// ok: exited 0. failed: ran but did not succeed. unreachable / refused: never ran.
    public var status: String {
        switch result {
        case .success(let command): return command.succeeded ? "ok" : "failed"
        case .failure(let error):
            switch error.code {
            case .unreachable, .connectionLost: return "unreachable"
            case .hostKeyUnknown, .hostKeyChanged, .hostKeyRevoked, .authRefused, .credentials: return "refused"
            case .timedOut: return "timed_out"
            case .noExitStatus, .transfer: return "failed"
            }
        }
    }

    public var succeeded: Bool { status == "ok" }
}

/// Runs one command on many hosts, at most `forks` at a time; one host's failure never stops the others.
public struct FanOut: Sendable {
    public var transport: any HostTransport
    public var forks: Int

    public init(transport: any HostTransport, forks: Int) {
        self.transport = transport
        self.forks = max(1, forks)
    }

    /// Connects to each host, runs `command`, closes.
    /// - Parameter onOutcome: called as each host finishes (in completion order).
    /// - Returns: every host's outcome, in the order of `hosts`.
    public func run(
        _ command: String,
        timeout: Duration,
        on hosts: [Host],
        onOutcome: @escaping @Sendable (HostOutcome) -> Void = { _ in }
    ) async -> [HostOutcome] {
        let clock = ContinuousClock()
        let transport = self.transport
        return await BoundedTaskGroup.map(count: hosts.count, limit: forks) { index in
            let host = hosts[index]
            let start = clock.now
            let result: Result<CommandResult, HostError>
            do {
                let connection = try await transport.connect(to: host)
                do {
                    result = .success(try await connection.run(command, timeout: timeout))
                } catch {
                    result = .failure(HostError(error))
                }
                await connection.close()
            } catch {
                result = .failure(HostError(error))
            }
            return HostOutcome(host: host, result: result, duration: start.duration(to: clock.now))
        } onResult: { _, outcome in
            onOutcome(outcome)
        }
    }
}
