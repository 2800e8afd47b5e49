public import DroverEngine
public import DroverModel

/// What `drover run` asks for, as given on its command line (files are read by the runtime: one loading path for
/// run and resume).
public struct RunRequest: Sendable {
    public var playbookPath: String
    public var inventoryPath: String
    /// `--ssh-config`: nil for `~/.ssh/config` if it exists, `none` for none.
    public var sshConfig: String?
    /// `--limit`.
    public var limit: String
    /// `-e NAME=VALUE`.
    public var extraVars: ExtraVariables
    /// `--policy`; nil: `policy.yml` beside the inventory, if there is one.
    public var policyPath: String?
    /// `--check`: connect and run checks, change nothing.
    public var check: Bool
    /// `--forks`.
    public var forks: Int
    /// `--emergency --reason --approved-by`.
    public var emergency: PolicyGate.Emergency?
    /// `--wait-for-window --max-wait D`: wait at most this long for the next opening; nil: refuse at once.
    public var waitForWindow: Duration?
    /// False for `--no-notify`.
    public var notify: Bool
    /// Ask the console before any host is touched (not `--yes`).
    public var confirm: Bool
    /// The run's id; nil for a new one (`RunCoordinator.newRunID`).
    public var runID: String?

    public init(
        playbookPath: String, inventoryPath: String, sshConfig: String? = nil, limit: String = "all",
        extraVars: ExtraVariables = ExtraVariables(), policyPath: String? = nil, check: Bool = false, forks: Int = 200,
        emergency: PolicyGate.Emergency? = nil, waitForWindow: Duration? = nil, notify: Bool = true,
        confirm: Bool = false, runID: String? = nil
    ) {
        self.playbookPath = playbookPath
        self.inventoryPath = inventoryPath
        self.sshConfig = sshConfig
        self.limit = limit
        self.extraVars = extraVars
        self.policyPath = policyPath
        self.check = check
        self.forks = forks
        self.emergency = emergency
        self.waitForWindow = waitForWindow
        self.notify = notify
        self.confirm = confirm
        self.runID = runID
    }
}

/// What `drover resume RUN` asks for. Everything else comes from what the run recorded.
public struct ResumeRequest: Sendable {
    public var runID: String
    /// `-i`: another path to the inventory; it must resolve to the same targets as the run recorded.
    public var inventoryPath: String?
    /// `--policy`; nil: `policy.yml` beside the inventory, if there is one.
    public var policyPath: String?
    /// `--forks`; nil: the run's.
    public var forks: Int?
    /// `-e`: the secrets the run was started with (never journaled); other values must equal the recorded ones.
    public var extraVars: ExtraVariables
    /// `--rerun-unfinished`: steps cut off mid-way run again, idempotent or not.
    public var rerunUnfinished: Bool
    /// `--no-notify`.
    public var notify: Bool
    /// Ask the console before any host is touched (not `--yes`).
    public var confirm: Bool

    public init(
        runID: String, inventoryPath: String? = nil, policyPath: String? = nil, forks: Int? = nil,
        extraVars: ExtraVariables = ExtraVariables(), rerunUnfinished: Bool = false, notify: Bool = true,
        confirm: Bool = false
    ) {
        self.runID = runID
        self.inventoryPath = inventoryPath
        self.policyPath = policyPath
        self.forks = forks
        self.extraVars = extraVars
        self.rerunUnfinished = rerunUnfinished
        self.notify = notify
        self.confirm = confirm
    }
}

/// How a run or resume ended.
public struct RunOutcome: Sendable {
    public var runID: String
    public var status: RunStatus
    /// One sentence: why.
    public var reason: String
    /// Every target host's part, when the engine ran (nil for a run refused or stopped before it started).
    public var summary: RunSummary?

    /// The command's exit status (SPEC section 1).
    public var exitCode: Int32 { status.exitCode }
}
