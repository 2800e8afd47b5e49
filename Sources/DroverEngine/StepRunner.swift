public import DroverModel
import Foundation

/// Foundation declares a `Host` too; here it is an inventory host.
private typealias Host = DroverModel.Host

/// Runs one step for one host: `when`, templates, `become`, delegation, retries, checks, uploads, scripts.
/// Never throws: every ending is a `StepOutcome` with a reason a person can read.
public struct StepRunner: Sendable {
    public var pool: ConnectionPool
    public var inventory: Inventory
    public var runID: String
    /// The playbook's directory: `upload` and `script` sources are relative to it.
    public var baseDirectory: String
    /// `--check`: steps that change hosts are described, not run.
    public var checkOnly: Bool
    public var sleep: @Sendable (Duration) async throws -> Void
    /// The monotonic clock a step's duration is measured with (the engine passes its own, so tests can inject
    /// a manual one).
    public var now: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    /// Reads a `become` password from where the inventory says it is (tests pass their own).
    public var becomePassword: @Sendable (ConnectionSettings.PasswordSource) -> String? = StepRunner.readPassword

    /// The password from an environment variable, or the first line of a file.
    public static let readPassword: @Sendable (ConnectionSettings.PasswordSource) -> String? = { source in
        switch source {
        case .environment(let name):
            guard let value = getenv(name) else { return nil }
            return String(cString: value)
        case .file(let path):
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            return text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        }
    }

    static func describe(_ source: ConnectionSettings.PasswordSource) -> String {
        switch source {
        case .environment(let name): return "the environment variable \(name)"
        case .file(let path): return "the file \(path)"
        }
    }

    public init(
        pool: ConnectionPool, inventory: Inventory, runID: String, baseDirectory: String, checkOnly: Bool,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.pool = pool
        self.inventory = inventory
        self.runID = runID
        self.baseDirectory = baseDirectory
        self.checkOnly = checkOnly
        self.sleep = sleep
    }

    /// Runs `step` for `host` with `context`.
    public func run(_ step: Step, for host: DroverModel.Host, context: TemplateContext) async -> StepOutcome {
        let start = now()
        var outcome = await attempt(step, for: host, context: context)
        outcome.duration = start.duration(to: now())
        if outcome.status == .failed, step.ignoreErrors { outcome.status = .ignored }
        return outcome
    }

    private func attempt(_ step: Step, for host: Host, context: TemplateContext) async -> StepOutcome {
        if let condition = step.when, !context.holds(condition) {
            return StepOutcome(status: .skipped, reason: "when: \(condition) does not hold", attempts: 0)
        }
        var target = host
        if let delegate = step.delegateTo {
            // `localhost` the inventory does not name is the controller itself (Ansible's implicit localhost).
            guard let name = context.render(delegate),
                let delegateHost = inventory.host(named: name) ?? (name == Host.controllerName ? Host.controller : nil)
            else {
                return StepOutcome(status: .failed, reason: "delegate_to \(delegate.source) names no inventory host", attempts: 0)
            }
            target = delegateHost
        }
        if checkOnly, step.changesHost {
            return StepOutcome(status: .skipped, reason: "check mode: would \(describe(step.action, context))", attempts: 0)
        }
        let connection: any HostConnection
        do {
            connection = try await pool.connection(to: target)
        } catch {
            return StepOutcome(status: .failed, reason: "\(target.name): \(error.message)", hostError: error, attempts: 0)
        }
        var attempts = 0
        var last = StepOutcome(status: .failed, reason: "not run", attempts: 0)
        while attempts <= step.retries {
            if attempts > 0 {
                do { try await sleep(step.delay) } catch { break }
            }
            attempts += 1
            last = await once(step, on: connection, host: target, context: context)
            last.attempts = attempts
            if last.status == .ok || Task.isCancelled { break }
            // A host that stopped answering will not answer a retry either.
            if case .failed = last.status, last.result == nil, step.retries > 0, isConnectionLoss(last) { break }
        }
        if last.status == .failed, attempts > 1 { last.reason = (last.reason ?? "failed") + " (after \(attempts) attempts)" }
        return last
    }

    /// The command could not run to its end because of the connection (a timeout or a failed upload may pass
    /// when tried again).
    private func isConnectionLoss(_ outcome: StepOutcome) -> Bool {
        guard let code = outcome.hostError?.code else { return false }
        return code != .timedOut && code != .transfer
    }

    /// One attempt of the action.
    private func once(
        _ step: Step, on connection: any HostConnection, host target: Host, context: TemplateContext
    ) async -> StepOutcome {
        switch step.action {
        case .run(let template):
            guard let command = context.renderCommand(template) else { return unrendered(template) }
            return await execute(command, step: step, on: connection, host: target)
        case .check(let check):
            guard let command = CheckCommand.command(for: check, context: context) else {
                return StepOutcome(status: .failed, reason: "a template in the check has no value", attempts: 0)
            }
            return await execute(command, step: step, on: connection, host: target)
        case .wait(.duration(let duration)):
            do {
                try await sleep(duration)
                return StepOutcome(status: .ok)
            } catch {
                return StepOutcome(status: .failed, reason: "interrupted while waiting")
            }
        case .wait(.until(let check)):
            guard let command = CheckCommand.command(for: check, context: context) else {
                return StepOutcome(status: .failed, reason: "a template in the check has no value", attempts: 0)
            }
            return await execute(command, step: step, on: connection, host: target)
        case .upload(let source, let destination, let mode):
            guard let local = context.render(source) else { return unrendered(source) }
            guard var remote = context.render(destination) else { return unrendered(destination) }
            if remote.hasSuffix("/") { remote += local.split(separator: "/").last.map(String.init) ?? local }
            do {
                try await connection.upload(localPath: path(local), remotePath: remote, mode: Int32(mode ?? 0o644))
                return StepOutcome(status: .ok)
            } catch {
                let error = HostError(error)
                return StepOutcome(status: .failed, reason: "upload to \(remote): \(error.message)", hostError: error)
            }
        case .script(let source, let arguments):
            guard let local = context.render(source) else { return unrendered(source) }
            let remote = "/tmp/.drover-\(runID)-\(UInt64.random(in: 0...UInt64.max))"
            do {
                try await connection.upload(localPath: path(local), remotePath: remote, mode: 0o700)
            } catch {
                let error = HostError(error)
                return StepOutcome(status: .failed, reason: "script upload: \(error.message)", hostError: error)
            }
            let rendered = arguments.flatMap { context.renderCommand($0) } ?? ""
            let quoted = ShellQuote.quote(remote)
            return await execute("\(quoted) \(rendered); rc=$?; rm -f \(quoted); exit $rc", step: step, on: connection, host: target)
        }
    }

    private func execute(
        _ command: String, step: Step, on connection: any HostConnection, host target: Host
    ) async -> StepOutcome {
        var command = command
        var input: [UInt8] = []
        if step.become {
            let user = ShellQuote.quote(step.becomeUser ?? "root")
            if let source = target.connection.becomePassword {
                // The password goes to sudo on stdin: never into the command line, a log or the journal.
                guard let password = becomePassword(source) else {
                    return StepOutcome(
                        status: .failed, reason: "become: \(Self.describe(source)) holds no password", attempts: 0)
                }
                // `exec </dev/null`: whatever sudo did not read of stdin never reaches the command.
                command = "sudo -S -p '' -u \(user) -- sh -c \(ShellQuote.quote("exec </dev/null; " + command))"
                input = Array((password + "\n").utf8)
            } else {
                command = "sudo -n -u \(user) -- sh -c \(ShellQuote.quote(command))"
            }
        }
        do {
            let result = try await connection.run(command, input: input, timeout: step.timeout, output: nil)
            if result.succeeded { return StepOutcome(status: .ok, result: result) }
            return StepOutcome(status: .failed, result: result, reason: Self.failure(result))
        } catch is CancellationError {
            return StepOutcome(status: .failed, reason: "aborted by the operator")
        } catch {
            let error = HostError(error)
            return StepOutcome(status: .failed, reason: error.message, hostError: error)
        }
    }

    /// "exited 3: no space left on device" — the status and the last line of stderr (or stdout).
    static func failure(_ result: CommandResult) -> String {
        var status = result.exitSignal.map { "killed by SIG\($0)" } ?? "exited \(result.exitStatus ?? -1)"
        // A shell reports a command killed by signal n as 128+n (steps run through one: SSHOptions.commands).
        if result.exitSignal == nil, let code = result.exitStatus, let name = signalNames[Int(code) - 128] {
            status += " (128+\(code - 128): killed by SIG\(name)?)"
        }
        let text = result.stderr.isEmpty ? result.stdout : result.stderr
        let line = text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        return line.isEmpty ? status : "\(status): \(line.prefix(200))"
    }

    private static let signalNames = [
        1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 6: "ABRT", 7: "BUS", 8: "FPE", 9: "KILL", 11: "SEGV", 13: "PIPE",
        14: "ALRM", 15: "TERM",
    ]

    private func unrendered(_ template: Template) -> StepOutcome {
        StepOutcome(status: .failed, reason: "\(template.source): a template has no value for this host", attempts: 0)
    }

    private func path(_ local: String) -> String {
        local.hasPrefix("/") || baseDirectory.isEmpty ? local : baseDirectory + "/" + local
    }

    private func describe(_ action: StepAction, _ context: TemplateContext) -> String {
        switch action {
        case .run(let template): return "run: " + (context.renderCommand(template) ?? template.source)
        case .script(let path, _): return "run the script " + (context.render(path) ?? path.source)
        case .upload(let source, let destination, _):
            return "upload \(context.render(source) ?? source.source) to \(context.render(destination) ?? destination.source)"
        case .check, .wait: return action.summary
        }
    }
}
