public import DroverModel

/// One session per host, opened on first use and shared by every step (and by delegations to that host), kept until
/// the run ends or the run says it is done with the host (`release`, see `SessionRetention`). A host that could not be
/// reached stays unreachable for the run: it is not retried per step.
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
            throw HostError(error)
        }
    }

    /// Starts connecting to `hosts` without waiting: a stage's next batch logs in while the current one works,
    /// so it starts with its sessions ready. The logins are spread over two lanes, each waiting for the one
    /// before it (at most `stagger`, so a host that hangs delays no other), so they do not crowd out the work
    /// in progress (each costs the host a key exchange). Connecting changes nothing on a host; a host that
    /// cannot be reached is reported when its batch asks for it.
    public func prewarm(_ hosts: [Host]) {
        let pending = hosts.filter { sessions[$0.name] == nil }
        guard !pending.isEmpty else { return }
        let lanes = 2
        var previous: [Task<any HostConnection, any Error>?] = Array(repeating: nil, count: lanes)
        for (index, host) in pending.enumerated() {
            let before = previous[index % lanes]
            let task = Task { [transport] () async throws -> any HostConnection in
                if let before { await Self.wait(for: before, atMost: Self.stagger) }
                return try await transport.connect(to: host)
            }
            sessions[host.name] = task
            previous[index % lanes] = task
        }
    }

    /// How long a prewarming login waits for the one before it in its lane.
    static let stagger: Duration = .milliseconds(150)

    /// Returns when `task` ends or `limit` passes, whichever comes first.
    private static func wait(for task: Task<any HostConnection, any Error>, atMost limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await task.value }
            group.addTask { try? await Task.sleep(for: limit) }
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Closes `host`'s session, if it is open: the run is done with the host. A later step on it logs in again; a host
    /// that could not be reached stays known as unreachable.
    public func release(_ host: String) async {
        guard let task = sessions[host] else { return }
        guard let connection = try? await task.value else { return }
        // Another caller may have released it while this one waited.
        guard sessions[host] == task else { return }
        sessions[host] = nil
        await connection.close()
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
