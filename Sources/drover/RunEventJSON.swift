import DroverModel
import Foundation

/// `--output json` for runs: one object per event per line, with stable snake_case field names (documented in
/// the README). Every object has `event` and `time` (ISO 8601, UTC, milliseconds).
enum RunEventJSON {
    /// - Parameter run: the run's id, as `"run"`, when the line mixes with other runs' (`drover watch` of several).
    static func line(_ event: RunEvent, at time: Date, run: String? = nil) -> String {
        var object = fields(event)
        object["event"] = event.name
        object["time"] = timestamp(time)
        if let run { object["run"] = run }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func fields(_ event: RunEvent) -> [String: Any] {
        switch event {
        case .policyChecked(let check):
            return [
                "environment": check.environment ?? NSNull(), "allowed": check.allowed, "rule": check.rule,
                "sentence": check.sentence, "closes_at": check.closesAt.map(instant) ?? NSNull(),
                "next_opening": check.nextOpening.map(instant) ?? NSNull(),
                "emergency": check.emergency.map(emergency) ?? NSNull(),
            ]
        case .emergencyOverride(let record):
            return emergency(record)
        case .waitingForWindow(let opensAt, let window):
            return ["opens_at": instant(opensAt), "window": window ?? NSNull()]
        case .runStarted(let run):
            return [
                "run_id": run.runID, "playbook": run.playbook, "environment": run.environment ?? NSNull(),
                "change_type": run.change.type.rawValue, "change_id": run.change.id ?? NSNull(),
                "approved_by": run.change.approvedBy ?? NSNull(),
                "estimate_ms": run.change.estimate.map(milliseconds) ?? NSNull(),
                "hosts": run.hostCount, "check": run.check,
            ]
        case .stageStarted(let stage, let name, let hosts, let sizes):
            return ["stage": stage + 1, "name": name, "hosts": hosts, "batch_sizes": sizes]
        case .batchStarted(let stage, let batch, let hosts):
            return ["stage": stage + 1, "batch": batch + 1, "hosts": hosts]
        case .stepStarted(let ref):
            return reference(ref)
        case .stepFinished(let ref, let outcome):
            var object = reference(ref)
            object["status"] = outcome.status.rawValue
            object["attempts"] = outcome.attempts
            object["duration_ms"] = milliseconds(outcome.duration)
            object["reason"] = outcome.reason ?? NSNull()
            if let result = outcome.result {
                object["exit"] = result.exitStatus.map { Int($0) } ?? NSNull()
                object["signal"] = result.exitSignal ?? NSNull()
                object["stdout_tail"] = result.stdout
                object["stderr_tail"] = result.stderr
                object["stdout_bytes"] = result.stdoutBytes
                object["stderr_bytes"] = result.stderrBytes
            }
            if let error = outcome.hostError {
                // As `drover exec --output json` gives it: scripts branch on the code, not on the reason's wording.
                var fields: [String: Any] = ["code": error.code.rawValue, "message": error.message]
                if let cause = error.cause { fields["cause"] = cause }
                object["error"] = fields
            }
            return object
        case .hostFailed(let stage, let host, let step, let reason):
            return ["stage": stage + 1, "host": host, "step": step, "reason": reason]
        case .batchFinished(let stage, let batch, let succeeded, let failed, let duration):
            return [
                "stage": stage + 1, "batch": batch + 1, "succeeded": succeeded, "failed": failed,
                "duration_ms": milliseconds(duration),
            ]
        case .decision(let decision):
            return [
                "stage": decision.stage + 1, "batch": decision.batch.map { $0 + 1 } ?? NSNull(),
                "action": decision.action.rawValue, "rule": decision.rule.rawValue, "reason": decision.reason,
            ]
        case .rollbackStarted(let stage, let hosts, let reason):
            return ["stage": stage + 1, "hosts": hosts, "reason": reason]
        case .rollbackFinished(let stage, let host, let succeeded, let reason):
            return ["stage": stage + 1, "host": host, "succeeded": succeeded, "reason": reason ?? NSNull()]
        case .stageFinished(let stage, let succeeded, let failed, let skipped):
            return ["stage": stage + 1, "succeeded": succeeded, "failed": failed, "skipped": skipped]
        case .runFinished(let status, let reason, let duration):
            return [
                "status": status.rawValue, "exit_code": Int(status.exitCode), "reason": reason,
                "duration_ms": milliseconds(duration),
            ]
        case .leaseLost(let stage, let host, let reason):
            return ["stage": stage + 1, "host": host, "reason": reason]
        case .operatorAnswered(let answer):
            return [
                "stage": answer.stage + 1, "batch": answer.batch.map { $0 + 1 } ?? NSNull(),
                "choice": answer.choice.rawValue, "by": answer.by ?? NSNull(), "reason": answer.reason,
                "timed_out": answer.timedOut,
            ]
        case .measurement(let measurement):
            return [
                "stage": measurement.stage + 1, "batch": measurement.batch + 1, "metric": measurement.metric,
                "host": measurement.host ?? NSNull(), "round": measurement.round, "value": measurement.value ?? NSNull(),
                "unit": measurement.unit ?? NSNull(), "threshold": measurement.threshold,
                "verdict": measurement.verdict.rawValue, "detail": measurement.detail ?? NSNull(),
            ]
        case .notification(let notice, let target, let delivered, let error):
            return ["notice": notice.rawValue, "target": target, "delivered": delivered, "error": error ?? NSNull()]
        }
    }

    static func emergency(_ record: EmergencyOverride) -> [String: Any] {
        ["reason": record.reason, "approved_by": record.approvedBy, "overrides": record.overrides ?? NSNull()]
    }

    /// Seconds since 1970 as ISO 8601 UTC (`2026-11-22T02:00:00Z`).
    static func instant(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
    }

    private static func reference(_ ref: StepRef) -> [String: Any] {
        var object: [String: Any] = [
            "stage": ref.stage + 1, "batch": ref.batch + 1, "phase": ref.phase.rawValue, "step": ref.step + 1,
            "name": ref.name, "host": ref.host, "delegated_to": ref.delegatedTo ?? NSNull(),
        ]
        if let hosts = ref.hosts { object["hosts"] = hosts }
        return object
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
