public import Foundation

/// A run's lease on one host: while it has not expired, no other run may target the host.
public struct HostLock: Sendable, Hashable, Codable {
    public var host: String
    public var run: String
    public var `operator`: String
    /// The machine the controller runs on, and its process id: `resume` tells a live controller from a dead one.
    public var controller: String
    public var pid: Int32
    public var acquiredAt: Date
    public var expiresAt: Date

    public init(
        host: String, run: String, operator: String, controller: String, pid: Int32, acquiredAt: Date, expiresAt: Date
    ) {
        self.host = host
        self.run = run
        self.operator = `operator`
        self.controller = controller
        self.pid = pid
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
    }

    public func isExpired(at now: Date) -> Bool { expiresAt <= now }
}

/// Leases a run asks for: every host, for one holder, until one time.
public struct LockRequest: Sendable, Hashable {
    public var run: String
    public var hosts: [String]
    public var `operator`: String
    public var controller: String
    public var pid: Int32
    public var expiresAt: Date
    /// Also take over leases of this run held by another controller process (resume, after that controller was
    /// found dead); leases of other runs are never taken over.
    public var takeOverOwnRun: Bool

    public init(
        run: String, hosts: [String], operator: String, controller: String, pid: Int32, expiresAt: Date,
        takeOverOwnRun: Bool = false
    ) {
        self.run = run
        self.hosts = hosts
        self.operator = `operator`
        self.controller = controller
        self.pid = pid
        self.expiresAt = expiresAt
        self.takeOverOwnRun = takeOverOwnRun
    }
}
