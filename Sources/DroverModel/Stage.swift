/// One stage of a playbook: a host pattern, how to batch it, the steps each host runs, and when to halt.
public struct Stage: Sendable, Hashable, Codable {
    /// What happens to a host whose step fails.
    public enum OnHostFailure: String, Sendable, Hashable, Codable {
        /// Run the stage's `rollback` steps on that host (the default).
        case rollback
        /// Leave the host as it is (it still counts as failed).
        case leave
    }

    /// The stage's name; may hold templates (`Roll out {{ release }}`).
    public var name: Template
    /// An Ansible host pattern (`app`, `app:&eu`, `web*`).
    public var hosts: String
    /// Batch sizes in order, the last repeating (Ansible's `serial`); empty means every host in one batch.
    public var serial: [SerialEntry]
    /// A batch whose failed share is strictly greater than this percentage halts the stage; nil never halts for
    /// a share (a whole batch failing still halts — see `DecisionRules`).
    public var maxFailPercentage: Double?
    /// The stage halts once more hosts than this have failed across all its batches.
    public var maxFailures: Int?
    /// A batch never starts if fewer than this many healthy hosts of the stage would stay in service.
    public var minHealthy: Int?
    public var pauseBetweenBatches: Duration
    /// Run once per batch before its hosts start (scale-down), usually delegated to a load balancer.
    public var beforeBatch: [Step]
    /// Run on each host of a batch, in order, over the host's one session.
    public var steps: [Step]
    /// Run once per batch after its hosts finished (scale-up).
    public var afterBatch: [Step]
    /// Run on each host this stage changed when it is rolled back.
    public var rollback: [Step]
    /// Run the steps on the stage's first host only; the result counts for all.
    public var runOnce: Bool
    public var onHostFailure: OnHostFailure
    /// Metrics judged after each batch's steps, before `after_batch` puts the batch back (SPEC section 10).
    public var analysis: Analysis?
    /// A `pause:` step: stop after each batch for a person's go-ahead.
    public var pause: PauseStep?
    /// What a halt of this stage does: roll back at once, or pause for a person's decision first.
    public var onHalt: OnHalt
    /// How long a pause of this stage waits for an answer before the default (rollback).
    public var pauseTimeout: Duration

    /// What a halt does (`on_halt`).
    public enum OnHalt: String, Sendable, Hashable, Codable, CaseIterable {
        /// Roll back at once (the default).
        case rollback
        /// Pause: wait for `drover decide` (or the terminal) up to `pause_timeout`, then roll back.
        case pause
    }

    /// A pause's wait when the playbook names none.
    public static let defaultPauseTimeout: Duration = .seconds(30 * 60)

    public init(
        name: Template, hosts: String, serial: [SerialEntry] = [], maxFailPercentage: Double? = nil,
        maxFailures: Int? = nil, minHealthy: Int? = nil, pauseBetweenBatches: Duration = .zero,
        beforeBatch: [Step] = [], steps: [Step], afterBatch: [Step] = [], rollback: [Step] = [],
        runOnce: Bool = false, onHostFailure: OnHostFailure = .rollback, analysis: Analysis? = nil,
        pause: PauseStep? = nil, onHalt: OnHalt = .rollback, pauseTimeout: Duration = Stage.defaultPauseTimeout
    ) {
        self.name = name
        self.hosts = hosts
        self.serial = serial
        self.maxFailPercentage = maxFailPercentage
        self.maxFailures = maxFailures
        self.minHealthy = minHealthy
        self.pauseBetweenBatches = pauseBetweenBatches
        self.beforeBatch = beforeBatch
        self.steps = steps
        self.afterBatch = afterBatch
        self.rollback = rollback
        self.runOnce = runOnce
        self.onHostFailure = onHostFailure
        self.analysis = analysis
        self.pause = pause
        self.onHalt = onHalt
        self.pauseTimeout = pauseTimeout
    }
}

/// One entry of `serial`: a number of hosts or a percentage of the stage's hosts.
public enum SerialEntry: Sendable, Hashable, Codable, CustomStringConvertible {
    case count(Int)
    /// Percent of the stage's host count, floored, at least 1 (`"25%"`).
    case percent(Int)

    /// The batch size for a stage of `hostCount` hosts (Ansible's `pct_to_int`).
    public func size(hostCount: Int) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent): return max(1, percent * hostCount / 100)
        }
    }

    public var description: String {
        switch self {
        case .count(let count): return String(count)
        case .percent(let percent): return "\(percent)%"
        }
    }
}
