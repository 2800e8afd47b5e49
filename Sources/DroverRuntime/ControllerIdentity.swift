/// Who runs this controller and where: recorded with each lease, so another controller can tell whether the holder
/// still works (`HolderLiveness`).
public struct ControllerIdentity: Sendable, Hashable {
    /// The person (`$SUDO_USER`, else `$USER`).
    public var `operator`: String
    /// The machine's host name.
    public var machine: String
    public var pid: Int32

    public init(operator: String, machine: String, pid: Int32) {
        self.operator = `operator`
        self.machine = machine
        self.pid = pid
    }
}
