import DroverModel
import Foundation

/// Decides which notices a run's events call for: a pure state machine, fed events with the run's elapsed time, that
/// returns notices and never does I/O (the `Notifier` sends what it returns).
///
/// Rules: `started` on `runStarted`; `progress` every `progressEvery` from the start while the run goes on (ask
/// `nextProgress`, then `progressIfDue`); `delayed` once when the projected end passes the window's end (again after an
/// extension); `extended` when told the window was extended; one closing notice from `runFinished`'s status
/// (`completed`, `completed_with_issues` for PARTIAL, `rolled_back`, `failed`, `refused`, `interrupted`). A check-mode
/// run changes nothing, so it is told to no one. Nothing follows the closing notice.
public struct NoticePlanner: Sendable {
    public enum Phase: Sendable, Hashable {
        /// Before `runStarted`.
        case waiting
        case running
        /// After the closing notice; nothing more is sent.
        case ended
        /// A check-mode run: nothing is sent.
        case silent
    }

    public private(set) var facts: RunFacts
    public private(set) var phase: Phase = .waiting
    public let progressEvery: Duration
    /// Whether `facts.impact` was given (else it is described from the batches).
    private let impactGiven: Bool

    private var progressSent = 0
    private var delayedSent = false
    private var stage: Int?
    private var stageName: String?
    private var stageHosts: [String] = []
    private var stageBatches = 0
    /// The current stage's batches that have finished, by index: a batch judged again (`retry`) counts once.
    private var stageBatchesDone: Set<Int> = []
    private var stageHostsDone: Set<String> = []
    private var stagesFinished = 0
    private var largestBatch = 0
    /// Hosts that finished a stage without failing, and those that ever failed, were skipped or rolled back.
    private var completedHosts: Set<String> = []
    private var failed: [String] = []
    private var skipped: Set<String> = []
    private var rolledBack: [String] = []
    private var rollbackFailed: [String] = []

    public init(facts: RunFacts, progressEvery: Duration = NotifySettings.defaultProgressEvery) {
        self.facts = facts
        self.progressEvery = progressEvery
        self.impactGiven = facts.impact != nil
    }

    /// The notices `event`, seen `elapsed` after the run started, calls for (in order).
    public mutating func handle(_ event: RunEvent, elapsed: Duration) -> [Notice] {
        guard phase == .waiting || phase == .running else { return [] }
        switch event {
        case .runStarted(let run):
            facts.runID = run.runID
            facts.playbook = run.playbook
            facts.environment = run.environment ?? facts.environment
            facts.change = run.change
            facts.hostCount = run.hostCount
            if run.check {
                phase = .silent
                return []
            }
            phase = .running
            return [notice(.started, elapsed: elapsed)]
        case .stageStarted(let index, let name, let hosts, let sizes):
            stage = index
            stageName = name
            stageHosts = hosts
            stageBatches = sizes.count
            stageBatchesDone = []
            stageHostsDone = []
            // The impact of the stage under way: a read-only checks stage may take every host at once.
            largestBatch = sizes.max() ?? 0
            if !impactGiven, facts.hostCount > 0, largestBatch > 0 {
                facts.impact =
                    largestBatch >= facts.hostCount
                    ? "all \(facts.hostCount) hosts are worked on at once"
                    : "rolling: at most \(largestBatch) of \(facts.hostCount) hosts out of service at a time"
            }
            return []
        case .batchFinished(_, let batch, let succeeded, let failedHosts, _):
            stageBatchesDone.insert(batch)
            stageHostsDone.formUnion(succeeded)
            stageHostsDone.formUnion(failedHosts)
            return delayIfProjected(elapsed: elapsed)
        case .hostFailed(_, let host, _, _):
            if !failed.contains(host) { failed.append(host) }
            return []
        case .rollbackFinished(_, let host, let succeeded, _):
            if succeeded {
                if !rolledBack.contains(host) { rolledBack.append(host) }
            } else if !rollbackFailed.contains(host) {
                rollbackFailed.append(host)
            }
            return []
        case .stageFinished(_, let succeeded, let failedHosts, let skippedHosts):
            stagesFinished += 1
            completedHosts.formUnion(succeeded)
            for host in failedHosts where !failed.contains(host) { failed.append(host) }
            skipped.formUnion(skippedHosts)
            return []
        case .runFinished(let status, let reason, _):
            let wasWaiting = phase == .waiting
            phase = .ended
            if wasWaiting && status != .refused { return [] }
            return [notice(Self.closingEvent(status), elapsed: elapsed, outcome: status, reason: reason)]
        case .decision(let decision) where decision.action == .pause:
            // A person is needed: the decision with its numbers, and how to answer it.
            return [notice(.paused, elapsed: elapsed, reason: decision.reason)]
        case .stepStarted, .stepFinished, .batchStarted, .decision, .rollbackStarted, .notification, .policyChecked,
            .measurement,
            .emergencyOverride, .waitingForWindow, .leaseLost, .operatorAnswered:
            return []
        }
    }

    /// The run goes on after `drover resume`: the facts of `run` without a second `started` notice (stakeholders
    /// had it when the run first started); progress, delays and the closing notice follow as for any run.
    public mutating func resumed(_ run: RunStarted, elapsed: Duration) -> [Notice] {
        var notices = handle(.runStarted(run), elapsed: elapsed)
        notices.removeAll { $0.event == .started }
        return notices
    }

    /// The run was refused before it started (by the policy): the closing `refused` notice.
    public mutating func refused(reason: String, elapsed: Duration = .zero) -> [Notice] {
        handle(.runFinished(status: .refused, reason: reason, duration: elapsed), elapsed: elapsed)
    }

    /// The window was extended (an approved extension) to `end`: an `extended` notice, and a later projection past
    /// the new end is a new delay.
    public mutating func windowExtended(to end: Date, reason: String?, elapsed: Duration) -> [Notice] {
        guard phase == .running || phase == .waiting else { return [] }
        facts.window = NoticeWindow(name: facts.window?.name, end: end)
        delayedSent = false
        return [notice(.extended, elapsed: elapsed, reason: reason)]
    }

    /// When the next `progress` notice is due (time since the start), or nil when none will be.
    public var nextProgress: Duration? {
        phase == .running ? progressEvery * (progressSent + 1) : nil
    }

    /// A `progress` notice when one is due at `elapsed` (at most one, however late the call), plus `delayed` when the
    /// run is already past its window.
    public mutating func progressIfDue(elapsed: Duration) -> [Notice] {
        guard let due = nextProgress, elapsed >= due else { return [] }
        // Skip cadence points already missed, so a stalled caller sends one notice, not a burst.
        while let next = nextProgress, next <= elapsed { progressSent += 1 }
        return [notice(.progress, elapsed: elapsed)] + delayIfProjected(elapsed: elapsed)
    }

    /// The projected end: the elapsed time scaled by the share of the work done (stages, and batches within the
    /// current one); before any batch ends, the start plus the change's estimate. Never before now.
    public func expectedEnd(elapsed: Duration) -> Date? {
        let now = facts.startedAt.addingTimeInterval(Notice.seconds(elapsed))
        let stageCount = max(facts.stageNames.count, (stage ?? 0) + 1, 1)
        let inStage = stageBatches > 0 ? Double(stageBatchesDone.count) / Double(stageBatches) : 0
        let share = min(1, (Double(stagesFinished) + inStage) / Double(stageCount))
        if share > 0 {
            let projected = Notice.seconds(elapsed) / share
            return max(now, facts.startedAt.addingTimeInterval(projected))
        }
        guard let estimate = facts.change.estimate else { return nil }
        return max(now, facts.startedAt.addingTimeInterval(Notice.seconds(estimate)))
    }

    private mutating func delayIfProjected(elapsed: Duration) -> [Notice] {
        guard phase == .running, !delayedSent, let window = facts.window, let end = expectedEnd(elapsed: elapsed),
            end > window.end
        else { return [] }
        delayedSent = true
        return [notice(.delayed, elapsed: elapsed)]
    }

    private func notice(_ event: NotifyEvent, elapsed: Duration, outcome: RunStatus? = nil, reason: String? = nil)
        -> Notice
    {
        let unfinished = Set(failed).union(skipped).union(rolledBack).union(rollbackFailed)
        let closing = outcome != nil
        return Notice(
            event: event, facts: facts, elapsed: elapsed, stage: stage, stageName: stageName,
            stageHosts: stageHosts.count, stageHostsDone: stageHostsDone.count,
            hostsDone: completedHosts.subtracting(unfinished).count, failedHosts: failed,
            rolledBackHosts: rolledBack, rollbackFailedHosts: rollbackFailed,
            expectedEnd: closing ? nil : expectedEnd(elapsed: elapsed), outcome: outcome, reason: reason,
            progressEvery: progressEvery)
    }

    /// The closing notice for a run that ended with `status`.
    public static func closingEvent(_ status: RunStatus) -> NotifyEvent {
        switch status {
        case .successful: return .completed
        case .partial: return .completedWithIssues
        case .rolledBack: return .rolledBack
        case .failed: return .failed
        case .refused: return .refused
        case .interrupted: return .interrupted
        }
    }
}
