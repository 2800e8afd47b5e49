public import DroverModel

/// What `drover schedule PLAYBOOK -i INV` asks for, as given on its command line.
public struct ScheduleRequest: Sendable {
    /// When the run is planned.
    public enum When: Sendable, Hashable {
        /// `--at TIME`: `2026-12-13 02:00` on the policy's wall clock, or an instant with its offset
        /// (`2026-12-13T02:00Z`, `…+03:00`).
        case at(String)
        /// `--next-window`: the first opening after the current one where the policy allows the change and its
        /// estimate fits.
        case nextWindow
    }

    public var playbookPath: String
    public var inventoryPath: String
    public var sshConfig: String?
    public var limit: String
    public var extraVars: ExtraVariables
    public var policyPath: String?
    public var when: When

    public init(
        playbookPath: String, inventoryPath: String, sshConfig: String? = nil, limit: String = "all",
        extraVars: ExtraVariables = ExtraVariables(), policyPath: String? = nil, when: When
    ) {
        self.playbookPath = playbookPath
        self.inventoryPath = inventoryPath
        self.sshConfig = sshConfig
        self.limit = limit
        self.extraVars = extraVars
        self.policyPath = policyPath
        self.when = when
    }
}
