import DroverJournal
import DroverModel
import Foundation

/// The derived-row changes of one append (`JournalProjection`'s, in order) folded into the row writes one SQL
/// statement can do: a statement may touch a row once, and a group commit often starts and finishes the same step.
///
/// Pure: the fold keeps exactly what applying the changes one after another would leave (a step started here is
/// written whole; one only finished here keeps the start its row already has; the run's fields take their last value).
/// Text that may quote a host goes as hex, since PostgreSQL's text cannot hold a NUL byte.
struct RowWrites: Sendable, Hashable {
    /// A step row: `replace` (started in this append: the whole row) or `finish` (only its result: an existing row
    /// keeps its start; a missing one is written with this start).
    struct Step: Sendable, Hashable, Encodable {
        var mode: String
        var stage: Int
        var batch: Int
        var phase: String
        var step: Int
        var host: String
        var name: String
        var delegated: String?
        var status: String
        var exit: Int32?
        var signal: String?
        var attempts: Int
        var duration: Int64?
        var reason: String?
        var out: String
        var err: String
        var outBytes: Int
        var errBytes: Int
        var startedAt: String
        var finishedAt: String?
        var startedSeq: Int
    }

    struct DecisionRow: Sendable, Hashable, Encodable {
        var seq: Int
        var stage: Int
        var batch: Int?
        var action: String
        var rule: String
        var reason: String
    }

    /// A value of the run row to set (null included).
    enum Value: Sendable, Hashable, Encodable {
        case text(String?)
        case number(Int64?)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            }
        }
    }

    private(set) var steps: [Step] = []
    private(set) var decisions: [DecisionRow] = []
    /// Column → value, only the columns this append sets.
    private(set) var run: [String: Value] = [:]
    private var stepIndex: [StepKey: Int] = [:]

    private struct StepKey: Hashable {
        var stage: Int
        var phase: String
        var step: Int
        var host: String
    }

    init() {}

    /// Folds `change` in after the ones before it.
    mutating func apply(_ change: JournalProjection.Change) {
        switch change {
        case .runStarted(let environment, let hostCount):
            run["environment"] = .text(environment)
            run["host_count"] = .number(Int64(hostCount))
        case .runFinished(let status, let reason, let finishedAt, let duration):
            run["status"] = .text(status.rawValue)
            run["reason"] = .text(Self.hex(reason))
            run["finished_at"] = .text(EventChain.timestamp(finishedAt))
            run["duration_ms"] = .number(JournalProjection.milliseconds(duration))
        case .runReopened:
            run["status"] = .text("RUNNING")
            run["reason"] = .text(nil)
            run["finished_at"] = .text(nil)
        case .stepStarted(let result, let sequence):
            put(Self.row(result, mode: "replace", sequence: sequence), replacing: true)
        case .stepFinished(let result, let sequence):
            put(Self.row(result, mode: "finish", sequence: sequence), replacing: false)
        case .decision(let decision, let sequence):
            decisions.append(
                DecisionRow(
                    seq: sequence, stage: decision.stage, batch: decision.batch, action: decision.action.rawValue,
                    rule: decision.rule.rawValue, reason: Self.hex(decision.reason)))
        }
    }

    private mutating func put(_ row: Step, replacing: Bool) {
        let key = StepKey(stage: row.stage, phase: row.phase, step: row.step, host: row.host)
        guard let index = stepIndex[key] else {
            stepIndex[key] = steps.count
            steps.append(row)
            return
        }
        if replacing {
            steps[index] = row
            return
        }
        // Finished after its start in this same append: the start's row, with this result.
        var merged = row
        let started = steps[index]
        merged.mode = started.mode
        merged.batch = started.batch
        merged.name = started.name
        merged.delegated = started.delegated
        merged.startedAt = started.startedAt
        merged.startedSeq = started.startedSeq
        steps[index] = merged
    }

    private static func row(_ result: StepResult, mode: String, sequence: Int) -> Step {
        let ref = result.ref
        return Step(
            mode: mode, stage: ref.stage, batch: ref.batch, phase: ref.phase.rawValue, step: ref.step, host: ref.host,
            name: ref.name, delegated: ref.delegatedTo, status: result.status.rawValue, exit: result.exitStatus,
            signal: result.signal, attempts: result.attempts, duration: result.duration.map(JournalProjection.milliseconds),
            reason: result.reason.map(hex), out: hex(result.stdoutTail), err: hex(result.stderrTail),
            outBytes: result.stdoutBytes, errBytes: result.stderrBytes, startedAt: EventChain.timestamp(result.startedAt),
            finishedAt: result.finishedAt.map(EventChain.timestamp), startedSeq: sequence)
    }

    /// UTF-8 bytes as lowercase hex (`decode(x, 'hex')` in SQL).
    static func hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 2)
        for byte in text.utf8 {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The JSON the append statement reads with `jsonb_to_recordset` / `jsonb`.
    func json() throws -> (steps: String, decisions: String, run: String) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        func text(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        return (try text(steps), try text(decisions), try text(run))
    }
}
