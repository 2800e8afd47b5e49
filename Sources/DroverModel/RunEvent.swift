/// Everything that happens in a run, as one typed stream: the live view, `--output json`, the journal and the
/// notifiers all consume it. Each event is a fact with the numbers behind it; none needs another to be read.
public enum RunEvent: Sendable, Hashable, Codable {
    /// The policy's verdict, checked before connecting (allowed or refused).
    case policyChecked(PolicyCheck)
    /// The run goes ahead as an approved emergency, overriding windows and blackouts.
    case emergencyOverride(EmergencyOverride)
    /// `--wait-for-window`: the run sleeps until `opensAt` (seconds since 1970 UTC) and then checks again.
    case waitingForWindow(opensAt: Int, window: String?)
    case runStarted(RunStarted)
    case stageStarted(stage: Int, name: String, hosts: [String], batchSizes: [Int])
    case batchStarted(stage: Int, batch: Int, hosts: [String])
    /// Written before a step starts on a host (a write-ahead journal records it first).
    case stepStarted(StepRef)
    case stepFinished(StepRef, StepOutcome)
    /// A host left the run: its step failed (after retries), or it could not be reached.
    case hostFailed(stage: Int, host: String, step: String, reason: String)
    case batchFinished(stage: Int, batch: Int, succeeded: [String], failed: [String], duration: Duration)
    case decision(Decision)
    case rollbackStarted(stage: Int, hosts: [String], reason: String)
    case rollbackFinished(stage: Int, host: String, succeeded: Bool, reason: String?)
    case stageFinished(stage: Int, succeeded: [String], failed: [String], skipped: [String])
    case runFinished(status: RunStatus, reason: String, duration: Duration)
    /// The run no longer holds its lease on `host` (broken by `drover unlock --force`, or lapsed): nothing more
    /// starts there, and the host is neither failed nor rolled back (another run may be working on it).
    case leaseLost(stage: Int, host: String, reason: String)
    /// A pause was answered: by a person (`drover decide`, the terminal) or by its timeout.
    case operatorAnswered(OperatorAnswer)
    /// One measurement of an analysis metric (SPEC section 10), pass, fail or inconclusive, with its value and bounds.
    case measurement(Measurement)
    /// A notice to stakeholders was sent, or given up on. `target` is shown masked (`https://hooks.example/…`, a
    /// command's program); `error` says why it was not delivered. Never fatal to the run.
    case notification(event: NotifyEvent, target: String, delivered: Bool, error: String?)

    /// The event's name in JSON output and the journal.
    public var name: String {
        switch self {
        case .policyChecked: return "policy_checked"
        case .emergencyOverride: return "emergency_override"
        case .waitingForWindow: return "waiting_for_window"
        case .runStarted: return "run_started"
        case .stageStarted: return "stage_started"
        case .batchStarted: return "batch_started"
        case .stepStarted: return "step_started"
        case .stepFinished: return "step_finished"
        case .hostFailed: return "host_failed"
        case .batchFinished: return "batch_finished"
        case .decision: return "decision"
        case .rollbackStarted: return "rollback_started"
        case .rollbackFinished: return "rollback_finished"
        case .stageFinished: return "stage_finished"
        case .runFinished: return "run_finished"
        case .leaseLost: return "lease_lost"
        case .operatorAnswered: return "operator_answered"
        case .measurement: return "measurement"
        case .notification: return "notification"
        }
    }
}

/// The facts a run starts from.
public struct RunStarted: Sendable, Hashable, Codable {
    public var runID: String
    public var playbook: String
    public var environment: String?
    public var change: ChangeInfo
    public var hostCount: Int
    public var check: Bool

    public init(
        runID: String, playbook: String, environment: String?, change: ChangeInfo, hostCount: Int, check: Bool
    ) {
        self.runID = runID
        self.playbook = playbook
        self.environment = environment
        self.change = change
        self.hostCount = hostCount
        self.check = check
    }
}

/// Which step on which host: the key the journal records steps under.
public struct StepRef: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable {
        case beforeBatch = "before_batch"
        case steps
        case afterBatch = "after_batch"
        case rollback
    }

    public var stage: Int
    public var batch: Int
    public var phase: Phase
    /// The step's index within its phase.
    public var step: Int
    public var name: String
    /// The host the step is for.
    public var host: String
    /// The host it actually ran on, when delegated.
    public var delegatedTo: String?
    /// For a `before_batch`/`after_batch` step, which runs once for several hosts (in `host`'s context, the first of
    /// them): those hosts, so a resume knows whom it has covered. Nil for any other step (and in journals written
    /// before Drover recorded it).
    public var hosts: [String]?

    public init(
        stage: Int, batch: Int, phase: Phase, step: Int, name: String, host: String, delegatedTo: String? = nil,
        hosts: [String]? = nil
    ) {
        self.stage = stage
        self.batch = batch
        self.phase = phase
        self.step = step
        self.name = name
        self.host = host
        self.delegatedTo = delegatedTo
        self.hosts = hosts
    }
}

/// How one step ended on one host.
public struct StepOutcome: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case ok
        case failed
        /// Failed, but the step has `ignore_errors`.
        case ignored
        /// Not run: its `when` did not hold, `--check` mode, or another host ran it (`run_once`).
        case skipped
    }

    public var status: Status
    /// What the command did, when it ran.
    public var result: CommandResult?
    /// Why it failed or was skipped, as a sentence.
    public var reason: String?
    /// Why the host could not run it, when the host or the connection failed rather than the command (unreachable,
    /// connection lost, timed out): the machine-readable code (and the transport's cause) behind `reason`.
    public var hostError: HostError?
    /// Attempts made (1 + retries used).
    public var attempts: Int
    public var duration: Duration
    /// Set when this host did not run the step but shares the outcome of the host named here (`run_once`: the first
    /// host of the batch to reach the step runs it). Nil for a step the host ran itself.
    public var sharedFrom: String?

    public init(
        status: Status, result: CommandResult? = nil, reason: String? = nil, hostError: HostError? = nil,
        attempts: Int = 1, duration: Duration = .zero, sharedFrom: String? = nil
    ) {
        self.status = status
        self.result = result
        self.reason = reason
        self.hostError = hostError
        self.attempts = attempts
        self.duration = duration
        self.sharedFrom = sharedFrom
    }

    public var passed: Bool { status != .failed }
}

/// A verdict the engine reached, with the reason and the numbers behind it.
public struct Decision: Sendable, Hashable, Codable {
    /// What the run does next. An open set: a journal written by a newer Drover may hold an action this one does
    /// not know; it decodes (`isKnown` is false) instead of failing, so readers can say so.
    public struct Action: OpenSetValue {
        private enum Known: String, CaseIterable {
            case `continue`, halt, stop, pause
        }

        public let rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }
        private init(_ known: Known) { self.rawValue = known.rawValue }

        /// Go on with the next batch or stage.
        public static let `continue` = Action(.continue)
        /// Stop starting work, then roll back.
        public static let halt = Action(.halt)
        /// Stop starting work and leave every host as it is (the window is closing, or `on_overrun: halt`): the
        /// run ends PARTIAL and can be resumed.
        public static let stop = Action(.stop)
        /// Stop starting work and wait for a person's answer (rollback, retry or continue) before going on.
        public static let pause = Action(.pause)

        /// False for an action written by a newer Drover.
        public var isKnown: Bool { Known(rawValue: rawValue) != nil }
    }

    /// Which rule reached the verdict. An open set, for the same reason as `Action`.
    public struct Rule: OpenSetValue {
        private enum Known: String, CaseIterable {
            case maxFailPercentage = "max_fail_percentage"
            case maxFailures = "max_failures"
            case wholeBatchFailed = "whole_batch_failed"
            case critical
            case minHealthy = "min_healthy"
            case overrun
            case windowClosing = "window_closing"
            case interrupted
            case passed
            case analysis
            case pauseStep = "pause_step"
        }

        public let rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }
        private init(_ known: Known) { self.rawValue = known.rawValue }

        public static let maxFailPercentage = Rule(.maxFailPercentage)
        public static let maxFailures = Rule(.maxFailures)
        public static let wholeBatchFailed = Rule(.wholeBatchFailed)
        public static let critical = Rule(.critical)
        public static let minHealthy = Rule(.minHealthy)
        public static let overrun = Rule(.overrun)
        /// The next batch could not finish before the window closes.
        public static let windowClosing = Rule(.windowClosing)
        public static let interrupted = Rule(.interrupted)
        public static let passed = Rule(.passed)
        /// A stage's `analysis:` judged the batch's metrics (passed, halted, or paused on inconclusive values).
        public static let analysis = Rule(.analysis)
        /// A stage's `pause:` step asks for a person's go-ahead before the next batch.
        public static let pauseStep = Rule(.pauseStep)

        /// False for a rule written by a newer Drover.
        public var isKnown: Bool { Known(rawValue: rawValue) != nil }
    }

    public var action: Action
    public var rule: Rule
    public var stage: Int
    public var batch: Int?
    /// One sentence with the numbers: "batch 3: 2 of 5 hosts failed = 40% > max 20%".
    public var reason: String
    /// For a pause: how long to wait for an answer before the default (rollback) is taken; nil for the engine's
    /// configured default. Not stored when nil, so events written before it existed hash as they did.
    public var timeout: Duration?
    /// For a pause: what its timeout answers when nobody did; nil is rollback (the safe side). A `pause:` step with
    /// `on_timeout: continue` goes on. Not stored when nil, like `timeout`.
    public var onTimeout: OperatorAnswer.Choice?

    public init(
        action: Action, rule: Rule, stage: Int, batch: Int?, reason: String, timeout: Duration? = nil,
        onTimeout: OperatorAnswer.Choice? = nil
    ) {
        self.action = action
        self.rule = rule
        self.stage = stage
        self.batch = batch
        self.reason = reason
        self.timeout = timeout
        self.onTimeout = onTimeout
    }
}

/// The answer to a pause (`Decision.Action.pause`): what the run does next, who said so and why.
public struct OperatorAnswer: Sendable, Hashable, Codable {
    /// An open set, like `Decision.Action`: a newer Drover's choice decodes instead of failing.
    public struct Choice: OpenSetValue {
        private enum Known: String, CaseIterable {
            case rollback, retry, `continue`
        }

        public let rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }
        private init(_ known: Known) { self.rawValue = known.rawValue }

        /// Take the halt path: stop starting work and roll back.
        public static let rollback = Choice(.rollback)
        /// Roll back the failed hosts, run the stage's steps on them again and judge the batch again.
        public static let retry = Choice(.retry)
        /// Accept what happened and go on (an override).
        public static let `continue` = Choice(.continue)

        public var isKnown: Bool { Known(rawValue: rawValue) != nil }
    }

    public var stage: Int
    public var batch: Int?
    public var choice: Choice
    /// Who answered; nil when nobody did and the pause's timeout chose.
    public var by: String?
    /// Why, in the answerer's words (or what the timeout did).
    public var reason: String
    public var timedOut: Bool

    public init(stage: Int, batch: Int?, choice: Choice, by: String?, reason: String, timedOut: Bool = false) {
        self.stage = stage
        self.batch = batch
        self.choice = choice
        self.by = by
        self.reason = reason
        self.timedOut = timedOut
    }
}

/// What the event sink did with an event. The engine waits for it before the thing the event announces: for
/// `stepStarted`, a step starts only once its announcement is `.durable` (write-ahead).
public enum Recorded: Sendable, Hashable {
    /// Written (durable where the sink is a journal): what the event announces may happen.
    case durable
    /// The run no longer holds the lease on the host the step is for (the journal's fencing check): the step must
    /// not start, and nothing more may start on that host.
    case leaseLost(reason: String)
    /// The sink could not write it (the journal is failing): the step must not start.
    case failed(reason: String)
}
