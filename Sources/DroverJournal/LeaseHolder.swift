/// Who holds a lease: one run, driven by one controller process.
///
/// `run`, `controller` and `pid` together are the fencing token: a write is fenced on exactly that process, so a
/// second controller of the same run (a `drover resume` started while the first still lives) is another holder.
public struct LeaseHolder: Sendable, Hashable, Codable, CustomStringConvertible {
    public var run: String
    /// Who started it (`$SUDO_USER`, else `$USER`).
    public var `operator`: String
    /// The machine the controller runs on (its host name).
    public var controller: String
    public var pid: Int32

    public init(run: String, operator: String, controller: String, pid: Int32) {
        self.run = run
        self.operator = `operator`
        self.controller = controller
        self.pid = pid
    }

    /// True when `other` is the same controller process of the same run (the operator's name is not compared).
    public func isSameHolder(as other: LeaseHolder) -> Bool {
        run == other.run && controller == other.controller && pid == other.pid
    }

    /// `run 20261122-020000-beef of alice (pid 4242 on ctl1)`.
    public var description: String { "run \(run) of \(`operator`) (pid \(pid) on \(controller))" }
}
