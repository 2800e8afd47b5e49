public import Foundation

/// The planned runs and the notices sent about them, folded from the schedule book: a chain of its own in the
/// journal (run id `schedule-book`), written through the `Journal` protocol every backend already implements.
///
/// Every change is an append at the head the writer read (`update`): the journal's compare-and-swap. Two writers
/// that read the same head cannot both append; the loser re-reads the book (now holding the winner's note) and
/// decides again. That is what makes a notice's claim exclusive: two `drover notify-due` racing to claim one
/// notice cannot both win.
///
/// Sending a notice is claim, send, mark (`ScheduleFact.claimed`, the delivery, `ScheduleFact.sent`). A sender that
/// dies between its claim and its mark leaves the claim open; once the claim is older than `staleClaim` another
/// sender may claim it again and send. So a notice is sent once, except when its sender died after delivering and
/// before marking: then it is sent a second time (at least once beats never for an announcement). Pure but for
/// `read` and `update`.
public struct ScheduleBook: Sendable {
    /// The book's run id in the journal.
    public static let runID = "schedule-book"
    /// How long an open claim (no mark) keeps other senders off: longer than a send takes with its retries.
    public static let staleClaim: TimeInterval = 10 * 60

    /// Where a planned run stands.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Planned, and its time has not passed.
        case scheduled = "SCHEDULED"
        case cancelled = "CANCELLED"
        /// A run of it started (`Entry.run`).
        case started = "STARTED"
        /// Its end passed and no run of it started.
        case missed = "MISSED"
    }

    /// One planned run with its history.
    public struct Entry: Sendable, Hashable {
        /// As planned last.
        public var plan: ScheduledRun
        /// 0 when first planned, +1 each time it is planned again or cancelled (iCalendar's `SEQUENCE`).
        public var revision: Int
        /// Who planned it last, and when that was recorded.
        public var scheduledBy: String?
        public var scheduledAt: Date
        /// Why it was cancelled, and by whom.
        public var cancelled: (reason: String, by: String?)?
        /// The run of it, once one started.
        public var run: String?
        /// Its scheduled maintenance on each status page target (by the target's index), once made.
        public var incidents: [Int: String] = [:]

        public static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.plan == rhs.plan && lhs.revision == rhs.revision && lhs.scheduledBy == rhs.scheduledBy
                && lhs.scheduledAt == rhs.scheduledAt && lhs.cancelled?.reason == rhs.cancelled?.reason
                && lhs.cancelled?.by == rhs.cancelled?.by && lhs.run == rhs.run && lhs.incidents == rhs.incidents
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(plan)
            hasher.combine(revision)
        }

        /// Where it stands at `now`.
        public func status(at now: Date) -> Status {
            if cancelled != nil { return .cancelled }
            if run != nil { return .started }
            return now >= plan.end ? .missed : .scheduled
        }
    }

    /// What became of a claimed notice.
    public struct Mark: Sendable, Hashable {
        public var delivered: Bool
        public var error: String?
    }

    /// Every planned run, in the order first planned.
    public private(set) var entries: [Entry] = []
    /// How many events the book's chain has (where the next append goes: `head + 1`).
    public private(set) var head = 0
    /// The latest claim of each notice key.
    public private(set) var claims: [String: NoticeClaim] = [:]
    /// The outcome of each notice key that was sent or given up on.
    public private(set) var marks: [String: Mark] = [:]

    /// An empty book.
    public init() {}

    /// The book folded from its chain's events, in order.
    /// - Throws: `JournalError` when an event cannot be read.
    public init(events: [JournalEvent]) throws {
        for event in events {
            head = max(head, event.sequence)
            guard case .note(let note) = try event.entry(), let fact = note.schedule else { continue }
            apply(fact, by: note.by, at: event.time)
        }
    }

    /// The entry with that id.
    public func entry(_ id: String) -> Entry? { entries.first { $0.plan.id == id } }

    /// The planned run of `changeID` that has not started, been cancelled or passed, if any.
    public func pending(change changeID: String, at now: Date) -> Entry? {
        entries.first { $0.plan.change.id == changeID && $0.status(at: now) == .scheduled }
    }

    /// Whether a notice may be claimed at `now`: never claimed, or claimed by a sender that neither marked it nor
    /// came back within `staleClaim`.
    public func claimable(_ key: String, at now: Date) -> Bool {
        guard marks[key] == nil else { return false }
        guard let claim = claims[key] else { return true }
        return now.timeIntervalSince(claim.at) >= Self.staleClaim
    }

    private mutating func apply(_ fact: ScheduleFact, by: String?, at time: Date) {
        switch fact {
        case .scheduled(let plan):
            if let index = entries.firstIndex(where: { $0.plan.id == plan.id }) {
                entries[index].plan = plan
                entries[index].revision += 1
                entries[index].scheduledBy = by
                entries[index].scheduledAt = time
                entries[index].cancelled = nil
                entries[index].run = nil
            } else {
                entries.append(Entry(plan: plan, revision: 0, scheduledBy: by, scheduledAt: time))
            }
        case .cancelled(let id, let reason):
            guard let index = entries.firstIndex(where: { $0.plan.id == id }) else { return }
            entries[index].cancelled = (reason, by)
            entries[index].revision += 1
        case .started(let id, let run):
            guard let index = entries.firstIndex(where: { $0.plan.id == id }) else { return }
            entries[index].run = run
        case .claimed(let claim):
            claims[claim.key] = claim
        case .sent(let key, let delivered, let error):
            marks[key] = Mark(delivered: delivered, error: error)
        case .incident(let id, let target, let incident):
            guard let index = entries.firstIndex(where: { $0.plan.id == id }) else { return }
            entries[index].incidents[target] = incident
        }
    }
}

extension ScheduleBook {
    /// The book as the journal holds it now (empty when nothing was ever scheduled).
    public static func read(from journal: any Journal) async throws -> ScheduleBook {
        guard try await journal.run(runID) != nil else { return ScheduleBook() }
        return try ScheduleBook(events: try await journal.events(run: runID))
    }

    /// Appends the notes `change` decides on, at the head of the book it was given: when another writer appended
    /// first, `change` is asked again with the book as it is now (at most `attempts` times).
    /// - Parameters:
    ///   - by: who writes (recorded as the book's operator when this creates it).
    ///   - now: when (the book's start when this creates it).
    ///   - change: the notes to append given the current book; none: nothing is written. What it throws is thrown.
    /// - Returns: the book with the notes applied, and the events written.
    /// - Throws: `JournalError`, or `change`'s error.
    @discardableResult
    public static func update(
        _ journal: any Journal, by: String, now: Date, attempts: Int = 32,
        _ change: (ScheduleBook) throws -> [JournalNote]
    ) async throws -> (book: ScheduleBook, written: [JournalEvent]) {
        for _ in 0..<max(1, attempts) {
            let book = try await read(from: journal)
            let notes = try change(book)
            if notes.isEmpty { return (book, []) }
            if book.head == 0, try await journal.run(runID) == nil {
                do {
                    try await journal.begin(RunRecord(id: runID, playbook: "(schedule book)", operator: by, startedAt: now))
                } catch let error as JournalError where error.code == .duplicateRun {
                    // Another writer created it at the same moment: append after what it wrote.
                }
            }
            do {
                let written = try await journal.append(notes.map(JournalEntry.note), run: runID, at: book.head + 1, fence: nil)
                var updated = book
                for (note, event) in zip(notes, written) {
                    updated.head = event.sequence
                    if let fact = note.schedule { updated.apply(fact, by: note.by, at: event.time) }
                }
                return (updated, written)
            } catch let error as JournalError where error.code == .sequenceTaken {
                continue
            }
        }
        throw JournalError(
            .writeFailed,
            "the schedule book kept changing under this command (\(attempts) tries): other commands are writing it; "
                + "try again")
    }
}

extension RunRecord {
    /// True for the schedule book's chain, which is no run: run lists and reports leave it out.
    public var isScheduleBook: Bool { id == ScheduleBook.runID }
}
