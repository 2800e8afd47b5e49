import Crypto
public import Foundation

/// The tamper-evident link between a run's events: each event's hash is SHA-256 over the previous event's hash
/// and the event's own canonical content (run, sequence, time, kind, payload), hex encoded.
///
/// Changing any stored byte of an event changes its hash; deleting one breaks the sequence or the link; dropping
/// events from the end no longer matches the run's recorded head. (A writer with access to the database could
/// recompute the whole chain: the chain shows edits, it does not sign them.)
public enum EventChain {
    /// The "previous hash" of a run's first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of an event given its predecessor's hash.
    public static func hash(
        previous: String, run: String, sequence: Int, time: String, kind: String, payload: String
    ) -> String {
        let content = [previous, run, String(sequence), time, kind, payload].joined(separator: "\n")
        return sha256(Data(content.utf8))
    }

    /// SHA-256 of `data`, lowercase hex (also how a run records its playbook file).
    public static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Event times as the chain hashes and stores them: ISO 8601, UTC, milliseconds (the nearest one).
    ///
    /// The milliseconds are written from whole numbers, not by the formatter: it truncates, and a time read back from
    /// its text is a hair below it (`.903` parses as `.90299…`), so writing a read time again lost a millisecond each
    /// time (a run copied between journals started earlier with every copy).
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (whole, fraction) = seconds.remainder < 0
            ? (seconds.quotient - 1, seconds.remainder + 1000) : (seconds.quotient, seconds.remainder)
        let text = Date(timeIntervalSince1970: Double(whole)).formatted(
            Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        let digits = String(fraction)
        return text.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Parses `timestamp(_:)`'s text.
    public static func date(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
            .parse(text)
    }
}

/// What `verify` found in one run's chain.
public struct ChainReport: Sendable, Hashable {
    public var run: String
    /// Events checked.
    public var events: Int
    /// The first problem, nil when the chain is intact.
    public var problem: ChainProblem?
    /// Events this Drover cannot read (written by a newer one), each named in a sentence; the chain may still be
    /// intact.
    public var unreadable: [String]

    public init(run: String, events: Int, problem: ChainProblem?, unreadable: [String] = []) {
        self.run = run
        self.events = events
        self.problem = problem
        self.unreadable = unreadable
    }

    public var isIntact: Bool { problem == nil }

    /// Checks `events` (in stored order) against each other and the run's recorded head, and names those that do
    /// not decode.
    public func checking(_ events: [JournalEvent], head: ChainHead) -> ChainReport {
        var report = ChainReport(run: run, events: events.count, problem: nil)
        report.unreadable = events.compactMap { event in
            do {
                _ = try event.entry()
                return nil
            } catch {
                return "\(error)"
            }
        }
        var previous = EventChain.genesis
        for (index, event) in events.enumerated() {
            let expected = index + 1
            if event.sequence != expected {
                report.problem = ChainProblem(
                    sequence: expected, kind: nil,
                    message: "event \(expected) is missing (the next stored event is \(event.sequence))")
                return report
            }
            if event.previousHash != previous {
                report.problem = ChainProblem(
                    sequence: expected, kind: event.kind,
                    message: "event \(expected) (\(event.kind)) does not link to event \(expected - 1): "
                        + "an event before it was changed or replaced")
                return report
            }
            let recomputed = EventChain.hash(
                previous: previous, run: event.run, sequence: event.sequence, time: event.timestamp,
                kind: event.kind, payload: event.payload)
            if recomputed != event.hash {
                report.problem = ChainProblem(
                    sequence: expected, kind: event.kind,
                    message: "event \(expected) (\(event.kind)) has been altered: its content does not match its hash")
                return report
            }
            previous = event.hash
        }
        if head.count != events.count || head.hash != previous {
            let next = events.count + 1
            report.problem = ChainProblem(
                sequence: next, kind: nil,
                message: head.count > events.count
                    ? "events \(next)…\(head.count) are missing: the run recorded \(head.count) events"
                    : "the run's recorded head (\(head.count) events) does not match its last event")
        }
        return report
    }
}

/// The first event where a chain breaks.
public struct ChainProblem: Sendable, Hashable {
    /// The event's sequence number (1-based).
    public var sequence: Int
    /// Its kind, when the event is there to name.
    public var kind: String?
    public var message: String

    public init(sequence: Int, kind: String?, message: String) {
        self.sequence = sequence
        self.kind = kind
        self.message = message
    }
}
