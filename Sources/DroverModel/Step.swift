/// One step a host (or a delegate) runs: an action plus the options that say how.
public struct Step: Sendable, Hashable, Codable {
    /// The step's name as shown in progress and logs; defaults to a description of the action.
    public var name: String
    public var action: StepAction
    /// How long one attempt may take before it is killed on the host (default 10 minutes).
    public var timeout: Duration
    /// How many more attempts after the first fails (checks and `wait ... until` use this as their polling budget).
    public var retries: Int
    /// Time between attempts.
    public var delay: Duration
    /// Run only when this holds for the host.
    public var when: Condition?
    /// Run through `sudo -n` (as `becomeUser`, default root).
    public var become: Bool
    public var becomeUser: String?
    /// Run on this host (a name from the inventory, may be templated) instead of the current one.
    public var delegateTo: Template?
    /// Run on the first host of the stage (or batch, for `before_batch`/`after_batch`) only.
    public var runOnce: Bool
    /// A failure is reported but the host carries on.
    public var ignoreErrors: Bool
    /// A failure halts the whole run at once.
    public var critical: Bool
    /// Safe to run again when `resume` finds it started but not finished.
    public var idempotent: Bool

    public static let defaultTimeout: Duration = .seconds(600)
    public static let defaultDelay: Duration = .seconds(5)

    public init(
        name: String? = nil, action: StepAction, timeout: Duration = Step.defaultTimeout, retries: Int = 0,
        delay: Duration = Step.defaultDelay, when: Condition? = nil, become: Bool = false, becomeUser: String? = nil,
        delegateTo: Template? = nil, runOnce: Bool = false, ignoreErrors: Bool = false, critical: Bool = false,
        idempotent: Bool = false
    ) {
        self.name = name ?? action.summary
        self.action = action
        self.timeout = timeout
        self.retries = retries
        self.delay = delay
        self.when = when
        self.become = become
        self.becomeUser = becomeUser
        self.delegateTo = delegateTo
        self.runOnce = runOnce
        self.ignoreErrors = ignoreErrors
        self.critical = critical
        self.idempotent = idempotent
    }

    /// True when the step can change a host (checks and waits cannot).
    public var changesHost: Bool {
        switch action {
        case .run, .script, .upload: return true
        case .check, .wait: return false
        }
    }
}

/// What a step does.
public enum StepAction: Sendable, Hashable, Codable {
    /// A shell command (`sh -c`).
    case run(Template)
    /// A local file uploaded to a temporary path and run with its arguments.
    case script(path: Template, arguments: Template?)
    /// A local file copied to the host (`dest` ending in `/` is a directory: the file keeps its name).
    case upload(source: Template, destination: Template, mode: Int?)
    /// A gate: passes or fails, changes nothing.
    case check(Check)
    /// Waits a fixed time, or until a check passes (polled `retries` times, `delay` apart).
    case wait(Wait)

    /// A short description for steps without a name: `run: systemctl restart app`.
    public var summary: String {
        switch self {
        case .run(let command): return "run: \(command.source)"
        case .script(let path, _): return "script: \(path.source)"
        case .upload(let source, let destination, _): return "upload: \(source.source) → \(destination.source)"
        case .check(let check): return "check: \(check.summary)"
        case .wait(.duration(let duration)): return "wait: \(DurationText.format(duration))"
        case .wait(.until(let check)): return "wait until: \(check.summary)"
        }
    }
}

/// How long a `wait` step waits.
public enum Wait: Sendable, Hashable, Codable {
    case duration(Duration)
    case until(Check)
}

/// A gate run on the host; each passes or fails with a reason.
public enum Check: Sendable, Hashable, Codable {
    /// Passes when the command exits 0.
    case command(Template)
    /// Passes when `url` (fetched from the host) answers with `status`, and contains `body` if given, within
    /// `maxMs` milliseconds if given.
    case http(url: Template, status: Int, body: String?, maxMs: Int? = nil)
    /// Passes when a TCP connection to `host:port` (from the host) succeeds.
    case tcp(host: Template, port: Int)
    /// Passes when the filesystem holding `path` has at least this much free (percent of its size, or bytes).
    case diskFree(path: Template, minPercent: Double?, minBytes: Int64?)
    /// Passes when available memory is at least this much.
    case memFree(minPercent: Double?, minBytes: Int64?)
    /// Passes when the systemd service is in `state` (`active` by default).
    case service(name: Template, state: String)

    public var summary: String {
        switch self {
        case .command(let command): return "command \(command.source)"
        case .http(let url, let status, _, let maxMs):
            return "http \(url.source) → \(status)" + (maxMs.map { " within \($0) ms" } ?? "")
        case .tcp(let host, let port): return "tcp \(host.source):\(port)"
        case .diskFree(let path, let percent, let bytes):
            return "disk_free \(path.source) ≥ " + (percent.map { "\(Self.short($0))%" } ?? "\(bytes ?? 0) bytes")
        case .memFree(let percent, let bytes):
            return "mem_free ≥ " + (percent.map { "\(Self.short($0))%" } ?? "\(bytes ?? 0) bytes")
        case .service(let name, let state): return "service \(name.source) \(state)"
        }
    }

    private static func short(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A step's `when`: tests of variables, evaluated per host before the step runs.
///
/// A test is `NAME`, `NAME == VALUE`, `NAME != VALUE`, `NAME is defined` or `NAME is not defined` (NAME may be
/// dotted: `host.name`; VALUE is a quoted string, a number, `true` or `false`); tests combine with `not`, `and`,
/// `or` (in that order of precedence, as in Jinja) and parentheses. A YAML list of conditions means all of them.
public indirect enum Condition: Sendable, Hashable, Codable, CustomStringConvertible {
    case truthy(String)
    case falsy(String)
    case equals(String, InventoryValue)
    case notEquals(String, InventoryValue)
    case defined(String)
    case undefined(String)
    /// Every one holds (`A and B`, or a YAML list).
    case all([Condition])
    /// At least one holds (`A or B`).
    case any([Condition])
    /// `not (…)` of a combination (a negated single test is the opposite test).
    case not(Condition)

    /// The opposite condition: `not NAME` is `.falsy`, `not (A == 1)` is `A != 1`, and so on.
    public var negated: Condition {
        switch self {
        case .truthy(let name): return .falsy(name)
        case .falsy(let name): return .truthy(name)
        case .equals(let name, let value): return .notEquals(name, value)
        case .notEquals(let name, let value): return .equals(name, value)
        case .defined(let name): return .undefined(name)
        case .undefined(let name): return .defined(name)
        case .not(let inner): return inner
        case .all, .any: return .not(self)
        }
    }

    /// The variables whose values the condition reads, in order, once each; a variable only tested for
    /// being defined is not among them (it may rightly not exist).
    public var valuesRead: [String] {
        var names: [String] = []
        func walk(_ condition: Condition) {
            switch condition {
            case .truthy(let name), .falsy(let name), .equals(let name, _), .notEquals(let name, _):
                if !names.contains(name) { names.append(name) }
            case .defined, .undefined: break
            case .all(let parts), .any(let parts): parts.forEach(walk)
            case .not(let inner): walk(inner)
            }
        }
        walk(self)
        return names
    }

    /// The condition as it would be written: `release == '2.1' and not maintenance`.
    public var description: String {
        switch self {
        case .truthy(let name): return name
        case .falsy(let name): return "not \(name)"
        case .equals(let name, let value): return "\(name) == \(Self.literal(value))"
        case .notEquals(let name, let value): return "\(name) != \(Self.literal(value))"
        case .defined(let name): return "\(name) is defined"
        case .undefined(let name): return "\(name) is not defined"
        case .all(let parts): return parts.map { $0.isAny ? "(\($0))" : "\($0)" }.joined(separator: " and ")
        case .any(let parts): return parts.map(\.description).joined(separator: " or ")
        case .not(let inner): return "not (\(inner))"
        }
    }

    private var isAny: Bool {
        if case .any = self { return true }
        return false
    }

    private static func literal(_ value: InventoryValue) -> String {
        switch value {
        case .string(let text): return text.contains("'") ? "\"\(text)\"" : "'\(text)'"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .list, .map, .null: return "\(value)"
        }
    }
}
