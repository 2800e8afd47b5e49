public import DroverModel
public import Foundation

/// One run as the journal keeps it: what ran, where from, who ran it, how it ended, and the head of its chain.
///
/// It holds paths and a hash of the playbook so `drover resume` can reload them, never file contents, inventory
/// variables or secrets.
public struct RunRecord: Sendable, Hashable, Codable {
    public var id: String
    /// The playbook's `name`.
    public var playbook: String
    /// The playbook file, absolute.
    public var playbookPath: String
    /// SHA-256 of the playbook file's bytes when the run started (hex): resume refuses a changed playbook.
    public var playbookHash: String
    /// The inventory file, absolute.
    public var inventoryPath: String
    /// `--limit` as given.
    public var limit: String
    /// `--ssh-config` as given, when it was.
    public var sshConfig: String?
    public var forks: Int
    public var environment: String?
    /// Who ran it: `$SUDO_USER`, else `$USER`.
    public var `operator`: String
    public var change: ChangeInfo
    public var hostCount: Int
    /// `--check`: nothing was changed.
    public var checkOnly: Bool
    /// The stages and steps as the playbook had them, for the maintenance log (which steps are checks).
    public var outline: [StageOutline]
    public var startedAt: Date
    public var finishedAt: Date?
    /// Nil while the run is live (or its controller died without a word: see `drover resume`).
    public var status: RunStatus?
    /// Why it ended as it did.
    public var reason: String?
    /// Wall time from start to finish, summed over resumes.
    public var duration: Duration?
    /// The chain's head: how many events and the last one's hash.
    public var head: ChainHead
    /// What the run was started with besides its files: `drover resume` runs with exactly these again.
    public var inputs: RunInputs

    public init(
        id: String, playbook: String, playbookPath: String = "", playbookHash: String = "", inventoryPath: String = "",
        limit: String = "all", sshConfig: String? = nil, forks: Int = 200, environment: String? = nil,
        operator: String, change: ChangeInfo = ChangeInfo(), hostCount: Int = 0, checkOnly: Bool = false,
        outline: [StageOutline] = [], startedAt: Date, finishedAt: Date? = nil, status: RunStatus? = nil,
        reason: String? = nil, duration: Duration? = nil, head: ChainHead = .empty, inputs: RunInputs = RunInputs()
    ) {
        self.id = id
        self.playbook = playbook
        self.playbookPath = playbookPath
        self.playbookHash = playbookHash
        self.inventoryPath = inventoryPath
        self.limit = limit
        self.sshConfig = sshConfig
        self.forks = forks
        self.environment = environment
        self.operator = `operator`
        self.change = change
        self.hostCount = hostCount
        self.checkOnly = checkOnly
        self.outline = outline
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.reason = reason
        self.duration = duration
        self.head = head
        self.inputs = inputs
    }

    /// `RUNNING` while live, else the final status's name.
    public var statusText: String { status?.rawValue ?? "RUNNING" }
}

/// The inputs of a run that its paths do not capture, recorded when it starts so that `drover resume` runs with
/// exactly them again, or refuses with a sentence when they can no longer be had.
public struct RunInputs: Sendable, Hashable, Codable {
    /// One `-e NAME=VALUE`.
    public struct ExtraVar: Sendable, Hashable, Codable {
        public var name: String
        /// Nil for a variable whose name looks like a secret: its value is never recorded, only `digest`.
        public var value: String?
        /// For a secret: a salted SHA-256 of the value (`sha256:SALT:HEX`), so a resume can check that the value
        /// given again is the same without the journal holding it.
        public var digest: String?

        public init(name: String, value: String?, digest: String? = nil) {
            self.name = name
            self.value = value
            self.digest = digest
        }
    }

    /// `-e` in the order given.
    public var extraVars: [ExtraVar]
    /// SHA-256 (hex) of the resolved targets: names, connection settings and variables, in inventory order. A
    /// resume whose inventory resolves differently is refused. Empty for runs recorded before it existed.
    public var targetsDigest: String

    public init(extraVars: [ExtraVar] = [], targetsDigest: String = "") {
        self.extraVars = extraVars
        self.targetsDigest = targetsDigest
    }
}

/// A stage as the maintenance log needs it: its name and which of its steps only check.
public struct StageOutline: Sendable, Hashable, Codable {
    public struct StepOutline: Sendable, Hashable, Codable {
        public var name: String
        /// A `check` or `wait`: changes nothing.
        public var isCheck: Bool
        /// Safe to run again when resume finds it started but not finished.
        public var idempotent: Bool

        public init(name: String, isCheck: Bool, idempotent: Bool = false) {
            self.name = name
            self.isCheck = isCheck
            self.idempotent = idempotent
        }
    }

    public var name: String
    public var steps: [StepOutline]

    public init(name: String, steps: [StepOutline]) {
        self.name = name
        self.steps = steps
    }

    /// The outline of a playbook (stage names as written; templates are not rendered here).
    public static func of(_ playbook: Playbook) -> [StageOutline] {
        playbook.stages.map { stage in
            StageOutline(
                name: stage.name.source,
                steps: stage.steps.map { StepOutline(name: $0.name, isCheck: !$0.changesHost, idempotent: $0.idempotent) })
        }
    }

    /// True when every step only checks.
    public var onlyChecks: Bool { !steps.isEmpty && steps.allSatisfy(\.isCheck) }
}

/// How many events a run's chain has and the last one's hash.
public struct ChainHead: Sendable, Hashable, Codable {
    public var count: Int
    public var hash: String

    public init(count: Int, hash: String) {
        self.count = count
        self.hash = hash
    }

    /// A chain with no events: its "previous hash" is 64 zeros.
    public static let empty = ChainHead(count: 0, hash: EventChain.genesis)
}
