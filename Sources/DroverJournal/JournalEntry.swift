public import DroverModel
import Foundation

/// What one journal event holds: a `RunEvent` from the engine, or a note the journal's users add (a refusal, a
/// resume, a broken lock, a host that needs a person).
public enum JournalEntry: Sendable, Hashable {
    case event(RunEvent)
    case note(JournalNote)

    /// The event's kind as stored: the `RunEvent` name (`step_started`) or the note's kind (`lock_broken`).
    public var kind: String {
        switch self {
        case .event(let event): return event.name
        case .note(let note): return note.kind.rawValue
        }
    }

    /// The canonical payload: JSON with sorted keys and no insignificant whitespace. The hash chain covers these
    /// exact bytes as stored, so a later change of encoder cannot break verification of old events.
    public func canonicalPayload() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch self {
        case .event(let event): data = try encoder.encode(event)
        case .note(let note): data = try encoder.encode(note)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a stored payload back.
    /// - Parameter sequence: the event's number in its run, to name it when it cannot be read.
    /// - Throws: `JournalError` `.newerVersion` when this Drover cannot read it: a kind it does not know, or fields
    ///   it cannot decode (written by a newer Drover; or damaged, which `drover verify` tells apart).
    public static func decode(kind: String, payload: String, sequence: Int? = nil) throws -> JournalEntry {
        let decoder = JSONDecoder()
        let event = sequence.map { "event \($0)" } ?? "an event"
        do {
            if JournalNote.Kind(rawValue: kind) != nil {
                return .note(try decoder.decode(JournalNote.self, from: Data(payload.utf8)))
            }
            let decoded = try decoder.decode(RunEvent.self, from: Data(payload.utf8))
            guard decoded.name == kind else {
                throw JournalError(.corrupt, "\(event) is stored as a '\(kind)' event but holds a '\(decoded.name)' event")
            }
            return .event(decoded)
        } catch let error as JournalError {
            throw error
        } catch {
            guard knownKinds.contains(kind) else {
                throw JournalError(
                    .newerVersion, "\(event) is a '\(kind)' event, written by a newer Drover: upgrade to read this run")
            }
            throw JournalError(
                .newerVersion,
                "\(event) (a '\(kind)' event) holds fields this Drover cannot read: written by a newer Drover "
                    + "(upgrade to read this run), or damaged (drover verify checks the chain)")
        }
    }

    /// Every kind this Drover writes: `RunEvent` names and note kinds. A kind outside it that does not decode was
    /// written by a newer Drover (only the wording of the error depends on this list).
    public static let knownKinds: Set<String> =
        Set(JournalNote.Kind.allCases.map(\.rawValue)).union([
            "policy_checked", "emergency_override", "waiting_for_window", "run_started", "stage_started",
            "batch_started", "step_started", "step_finished", "host_failed", "batch_finished", "decision",
            "rollback_started", "rollback_finished", "stage_finished", "run_finished", "lease_lost",
            "operator_answered", "notification",
        ])
}

/// Something that happened to a run outside the engine's event stream.
public struct JournalNote: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The run was refused before it touched a host (a host locked by another run, a policy rule).
        case refused = "run_refused"
        /// `drover resume` continued the run.
        case resumed = "run_resumed"
        /// `drover resume` was refused by the policy (outside a window, in a blackout): the run stays interrupted.
        case resumeRefused = "resume_refused"
        /// `drover unlock` broke one of the run's leases.
        case lockBroken = "lock_broken"
        /// A step was started but never finished, and is not idempotent: a person must look at the host.
        case needsAttention = "needs_attention"
        /// The journal could not keep up (a failed write): the run was stopped.
        case journalFailure = "journal_failure"
        /// The operator asked the controller to stop (SIGINT/SIGTERM): nothing new starts; steps that fail from
        /// here on may have failed because of the stop.
        case stopRequested = "stop_requested"
        /// `drover schedule` planned a run, or planned it again for another time (in the schedule book).
        case runScheduled = "run_scheduled"
        /// `drover schedule --cancel` (in the schedule book).
        case scheduleCancelled = "schedule_cancelled"
        /// A run of a scheduled change started (in the schedule book).
        case scheduleStarted = "schedule_started"
        /// A `notify-due` claimed a notice before sending it (in the schedule book).
        case noticeClaimed = "notice_claimed"
        /// A claimed notice was sent, or given up on (in the schedule book).
        case noticeSent = "notice_sent"
        /// `drover extend` moved a running run's window end (in the run's chain; `window` holds the facts).
        case windowExtended = "window_extended"
        /// An Alertmanager silence was created (or moved) for the run's hosts; `reference` is its id.
        case silenced = "silence_created"
        /// The run's Alertmanager silence was expired; `reference` is its id.
        case silenceExpired = "silence_expired"
        /// A status page made a scheduled maintenance for the run; `reference` is `TARGET/ID` (the target's index in
        /// the notify settings, the incident's id).
        case statusPageIncident = "status_page_incident"

        /// Notes the maintenance log lists as the run's course, not as issues.
        public static let routine: Set<Kind> = [.resumed, .silenced, .silenceExpired, .statusPageIncident]
    }

    public var kind: Kind
    /// One sentence.
    public var text: String
    public var hosts: [String]
    /// Who did it, when a person did.
    public var by: String?
    /// The facts of a schedule book note; nil for every other note (and not stored then, so notes written before it
    /// existed hash as they did).
    public var schedule: ScheduleFact?
    /// For `window_extended`: the old and new end and why; nil for every other note (and not stored then).
    public var window: WindowExtension?
    /// The id a service gave for what the note is about (an Alertmanager silence); nil otherwise (and not stored).
    public var reference: String?

    public init(
        kind: Kind, text: String, hosts: [String] = [], by: String? = nil, schedule: ScheduleFact? = nil,
        window: WindowExtension? = nil, reference: String? = nil
    ) {
        self.kind = kind
        self.text = text
        self.hosts = hosts
        self.by = by
        self.schedule = schedule
        self.window = window
        self.reference = reference
    }

    /// The status page incidents a run's chain names, by target index.
    public static func statusPageIncidents(in events: [JournalEvent]) -> [Int: String] {
        var incidents: [Int: String] = [:]
        for event in events where event.kind == Kind.statusPageIncident.rawValue {
            guard case .note(let note)? = try? event.entry(), let reference = note.reference,
                let slash = reference.firstIndex(of: "/"), let index = Int(reference[..<slash])
            else { continue }
            incidents[index] = String(reference[reference.index(after: slash)...])
        }
        return incidents
    }

    /// The Alertmanager silences a run's chain left open: created and not expired since, oldest first.
    public static func openSilences(in events: [JournalEvent]) -> [String] {
        var open: [String] = []
        for event in events where event.kind.hasPrefix("silence_") {
            guard case .note(let note)? = try? event.entry(), let id = note.reference else { continue }
            open.removeAll { $0 == id }
            if note.kind == .silenced { open.append(id) }
        }
        return open
    }
}

/// One stored event of a run's chain.
public struct JournalEvent: Sendable, Hashable {
    public var run: String
    /// 1, 2, 3… within the run.
    public var sequence: Int
    /// When it was recorded, as stored and hashed (`EventChain.timestamp`).
    public var timestamp: String
    public var kind: String
    /// The canonical JSON the hash covers.
    public var payload: String
    public var previousHash: String
    public var hash: String

    public init(
        run: String, sequence: Int, timestamp: String, kind: String, payload: String, previousHash: String, hash: String
    ) {
        self.run = run
        self.sequence = sequence
        self.timestamp = timestamp
        self.kind = kind
        self.payload = payload
        self.previousHash = previousHash
        self.hash = hash
    }

    /// When it was recorded.
    public var time: Date { EventChain.date(timestamp) ?? .distantPast }

    /// The entry it holds.
    /// - Throws: `JournalError` `.newerVersion` naming the event when this Drover cannot read it.
    public func entry() throws -> JournalEntry {
        try JournalEntry.decode(kind: kind, payload: payload, sequence: sequence)
    }
}
