public import DroverJournal
public import DroverModel
public import Foundation

/// Which notices about planned runs are due at an instant and not yet claimed: what `drover notify-due` sends. Pure.
///
/// For each planned run still SCHEDULED and each target, the due advance notice is the one with the shortest offset
/// whose time has come (start − offset ≤ now): a notice whose time passed while a shorter one came due too is
/// superseded, never sent late (a run planned 2 hours ahead gets its 1h reminder, not its 72h notice). The longest
/// offset is the `advance` notice, the others `reminder`s. A planned run that became MISSED gets one `missed` notice,
/// within a day of its end. Keys carry the revision, so a run planned again gets its notices again.
public enum DueNotices {
    /// One notice to send.
    public struct Due: Sendable, Hashable {
        /// Unique in the book: `S-RFC-2026-0042/r1/advance/72h/0`.
        public var key: String
        public var schedule: String
        public var event: NotifyEvent
        /// The index of the target in the settings.
        public var target: Int
        /// For advance notices: the offset.
        public var ahead: Duration?
    }

    /// How long after its end a missed run is still told about.
    public static let missedWindow: TimeInterval = 86_400

    /// The notices due at `now`.
    /// - Parameter settings: the notify settings in force for a planned run (nil: it has none).
    public static func due(in book: ScheduleBook, at now: Date, settings: (ScheduledRun) -> NotifySettings?) -> [Due] {
        var due: [Due] = []
        for entry in book.entries {
            let status = entry.status(at: now)
            guard status == .scheduled || status == .missed, let settings = settings(entry.plan) else { continue }
            let prefix = "\(entry.plan.id)/r\(entry.revision)"
            for (index, target) in settings.targets.enumerated() {
                if status == .missed {
                    guard target.events.contains(.missed), now.timeIntervalSince(entry.plan.end) < missedWindow else {
                        continue
                    }
                    due.append(Due(key: "\(prefix)/missed/\(index)", schedule: entry.plan.id, event: .missed, target: index))
                    continue
                }
                let offsets = settings.advance(for: target)
                let come = offsets.filter { entry.plan.start.addingTimeInterval(-seconds($0)) <= now }
                guard let offset = come.min(), let longest = offsets.first else { continue }
                let event: NotifyEvent = offset == longest ? .advance : .reminder
                guard target.events.contains(event) else { continue }
                due.append(
                    Due(
                        key: "\(prefix)/\(event.rawValue)/\(DurationText.format(offset))/\(index)",
                        schedule: entry.plan.id, event: event, target: index, ahead: offset))
            }
        }
        return due.filter { book.claimable($0.key, at: now) }
    }

    static func seconds(_ duration: Duration) -> TimeInterval { TimeInterval(duration.components.seconds) }
}
