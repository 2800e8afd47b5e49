import DroverModel
import Foundation

/// The one-line live view a terminal gets under the run's plain lines: the stage and batch under way, how many of
/// the batch's hosts are done, running and failed, the step most hosts are on, and the time elapsed.
///
/// Pure: it folds events into counts and renders a line; `RunReporter` decides when to draw it (only when stdout
/// is a terminal, so pipes and CI logs get plain lines alone).
struct LiveStatus {
    private var stage: (index: Int, name: String, batches: Int)?
    private var batch: Int?
    private var hosts: [String] = []
    /// The step each running host is on.
    private var running: [String: String] = [:]
    private var done: Set<String> = []
    private var failed: Set<String> = []
    private var phase: String?

    mutating func absorb(_ event: RunEvent) {
        switch event {
        case .stageStarted(let index, let name, _, let sizes):
            stage = (index, name, sizes.count)
            batch = nil
            phase = nil
        case .batchStarted(_, let index, let names):
            batch = index
            hosts = names
            running = [:]
            done = []
            failed = []
            phase = nil
        case .stepStarted(let ref):
            switch ref.phase {
            case .steps: running[ref.host] = ref.name
            case .beforeBatch, .afterBatch, .rollback: phase = "\(ref.phase.rawValue): \(ref.name)"
            }
        case .stepFinished(let ref, _):
            if ref.phase != .steps { phase = nil }
        case .hostFailed(_, let host, _, _):
            failed.insert(host)
            running[host] = nil
        case .batchFinished(_, _, let succeeded, let failedHosts, _):
            done.formUnion(succeeded)
            failed.formUnion(failedHosts)
            running = [:]
        case .rollbackStarted(_, let names, _):
            phase = "rolling back \(names.count) host\(names.count == 1 ? "" : "s")"
        case .runFinished:
            stage = nil
        default:
            break
        }
    }

    /// Marks a host whose steps all finished (the engine reports that per batch; the live view wants it sooner).
    mutating func hostFinished(_ host: String) {
        running[host] = nil
        if !failed.contains(host) { done.insert(host) }
    }

    /// The line, or nil when no stage is under way.
    func line(elapsed: TimeInterval) -> String? {
        guard let stage else { return nil }
        var text = "[stage \(stage.index + 1) '\(stage.name)'"
        if let batch { text += " · batch \(batch + 1)/\(stage.batches)" }
        text += "] "
        let active = running.count
        text += "\(done.count)/\(hosts.count) done, \(active) running, \(failed.count) failed"
        if let phase {
            text += " · \(phase)"
        } else if let step = Dictionary(grouping: running.values, by: { $0 }).max(by: { $0.value.count < $1.value.count })?.key {
            text += " · \(step)"
        }
        text += " · \(DurationText.format(.milliseconds(Int(elapsed * 1000))))"
        return text
    }
}
