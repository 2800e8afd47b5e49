public import DroverModel

/// One session per host for the whole run, opened on first use and shared by every step (and by delegations to
/// that host). A host that could not be reached stays unreachable for the run: it is not retried per step.
public actor ConnectionPool {
    private let transport: any HostTransport
    private var sessions: [String: Task<any HostConnection, any Error>] = [:]

    public init(transport: any HostTransport) {
        self.transport = transport
    }

    /// The host's session.
    /// - Throws: `HostError` when the host cannot be reached or refuses us.
    public func connection(to host: Host) async throws(HostError) -> any HostConnection {
        let task: Task<any HostConnection, any Error>
        if let existing = sessions[host.name] {
            task = existing
        } else {
            task = Task { [transport] in try await transport.connect(to: host) }
            sessions[host.name] = task
        }
        do {
            return try await task.value
        } catch {
            throw FanOut.hostError(error)
        }
    }

    /// Starts connecting to `hosts` without waiting: a stage's later batches log in while earlier ones work,
    /// so a batch starts with its sessions ready. Connecting changes nothing on a host; a host that cannot be
    /// reached is reported when its batch asks for it.
    public func prewarm(_ hosts: [Host]) {
        for host in hosts where sessions[host.name] == nil {
            sessions[host.name] = Task { [transport] in try await transport.connect(to: host) }
        }
    }

    /// Closes every session that was opened.
    public func closeAll() async {
        let opened = sessions.values
        sessions = [:]
        for task in opened {
            if let connection = try? await task.value { await connection.close() }
        }
    }
}
