import DroverEngine
public import DroverJournal
public import DroverModel
public import Foundation

/// `drover extend RUN --by 30m --reason TEXT [--approved-by NAME]`: moves a running run's window end, from any shell
/// with the journal. The extension is a note in the run's chain; the run's controller reads it before its next batch
/// (window fit uses the new end from then on) and sends the `extended` notice.
public struct WindowExtender: Sendable {
    public var journal: any Journal
    public var identity: ControllerIdentity
    public var loader: RunLoader

    /// The longest one extension may add.
    public static let longest: Duration = .seconds(24 * 3600)

    public init(journal: any Journal, identity: ControllerIdentity, loader: RunLoader = RunLoader()) {
        self.journal = journal
        self.identity = identity
        self.loader = loader
    }

    /// Extends `run`'s window by `by`.
    /// - Parameter policyPath: `--policy`; nil for `policy.yml` beside the run's inventory.
    /// - Returns: the extension as journaled.
    /// - Throws: `RuntimeError`: 64 for a run the journal does not have, one that is not running or has no window end;
    ///   4 when the new end runs into a blackout and the extension is not an approved emergency the policy allows.
    public func extend(
        run id: String, by: Duration, reason: String, approvedBy: String?, policyPath: String? = nil
    ) async throws -> WindowExtension {
        guard by > .zero, by <= Self.longest else {
            throw RuntimeError.invalidInput("--by must be more than 0 and at most \(DurationText.format(Self.longest))")
        }
        let (record, events) = try await read(id)
        guard record.status == nil else {
            throw RuntimeError.invalidInput(
                "run \(id) is not running (\(record.statusText)): only a running run's window can be extended")
        }
        guard let end = Self.currentEnd(events) else {
            throw RuntimeError.invalidInput(
                "run \(id) has no window end to extend (no policy window applies, or it runs as an emergency)")
        }
        let (policy, _) = try loader.policy(explicit: policyPath, inventoryPath: record.inventoryPath)
        let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
        let to = end.addingTimeInterval(TimeInterval(by.components.seconds))
        var overridden: String?
        if let environment = record.environment, let rules = policy?.environments[environment],
            let blackout = MaintenanceCalendar(policy: rules).blackouts(from: end, to: to).first
        {
            guard approvedBy != nil, rules.rules(for: .emergency).overridesBlackouts else {
                throw RuntimeError.refused(
                    "REFUSED: extending run \(id) to \(zone.describe(to)) \(zone.identifier) runs into blackout "
                        + "'\(blackout.name)' (from \(zone.describe(max(blackout.start, end)))); only an approved "
                        + "emergency may (--approved-by NAME, where the policy lets emergencies override blackouts)")
            }
            overridden = blackout.name
        }
        let window = WindowExtension(
            from: end, to: to, reason: reason, approvedBy: approvedBy, overridesBlackout: overridden)
        var text = "window extended by \(DurationText.format(by)) to \(zone.describe(to)) \(zone.identifier): \(reason)"
        if let approvedBy { text += " (approved by \(approvedBy))" }
        if let overridden { text += "; an approved emergency overriding blackout '\(overridden)'" }
        let note = JournalNote(kind: .windowExtended, text: text, by: identity.operator, window: window)
        do {
            try await journal.append(.note(note), run: id)
        } catch let error as JournalError {
            throw RuntimeError.failed("\(error)")
        }
        return window
    }

    /// The window's end as the run knows it: the latest extension's, else the policy's verdict when it started.
    public static func currentEnd(_ events: [JournalEvent]) -> Date? {
        if let latest = WindowExtension.latest(in: events) { return latest.window.to }
        for event in events.reversed() where event.kind == "policy_checked" {
            if case .event(.policyChecked(let check))? = try? event.entry(), let closes = check.closesAt {
                return Date(timeIntervalSince1970: TimeInterval(closes))
            }
        }
        return nil
    }

    private func read(_ id: String) async throws -> (RunRecord, [JournalEvent]) {
        do {
            guard let record = try await journal.run(id) else { throw JournalError.unknownRun(id) }
            return (record, try await journal.events(run: id))
        } catch let error as JournalError {
            throw RuntimeError(exitCode: error.code == .unknownRun ? 64 : 1, "\(error)")
        }
    }
}
