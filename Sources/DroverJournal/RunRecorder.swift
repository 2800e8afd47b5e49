public import DroverModel
import Synchronization

/// The engine's event sink for one run: `record` returns once the event is durable in the journal, so a
/// `step_started` is written before the step runs (write-ahead), and says whether the step may start.
///
/// Group commit: events recorded while a write is in flight wait for the next one, and it writes them all in one
/// transaction with one sync to disk. Ten hosts starting a step together cost one sync, not ten in a row, and a
/// thousand-host batch does not queue behind a thousand. Writes go through the journal's async API from a task of
/// the recorder's own (not the caller's: cancelling the engine never cancels a write half-way).
///
/// The recorder numbers its appends (it reads the head once, before its first write), so the journal can tell a
/// retry from a foreign writer: when another writer appended into the chain (`drover unlock` in another process
/// notes a broken lease there), the append fails with `sequenceTaken`, and the recorder re-reads the chain from its
/// number, keeps what is already stored as its own, and appends the rest after the new head.
///
/// With a `fence`, every append checks the run's leases in the same transaction. A `step_started` on a machine the
/// run no longer holds is dropped and answered `.leaseLost(reason)`, and so is every later one on that machine
/// without asking the journal again; the rest is written and answered `.durable`. A write that fails is sent once
/// more at the same numbers (safe: a write that did commit is returned as stored, not repeated); if that fails too,
/// its events are answered `.failed(reason)` and the failure is reported once through `onFailure` (the run stops
/// starting work); later events are still tried.
///
/// A journal that cannot be reached (`JournalError.unreachable`: its server stopped, the network in between) is
/// waited for (`Patience`): the write is sent again at the same numbers with a growing pause, up to the patience's
/// timeout. Meanwhile nothing new is written ahead, so nothing new starts (a `record` waits), steps in flight finish
/// and their events queue behind it, in order; when the journal answers again they are written, in order, and the run
/// goes on. The outage is told through `onOutage` when it begins and when it ends. Past the timeout the write fails
/// (reported through `onFailure`) and the recorder writes nothing more: the journal keeps an exact prefix of the run
/// (its record still running; its leases lapse), and any controller can resume it from there.
public final class RunRecorder: Sendable {
    /// How long, and how, the recorder waits for a journal that cannot be reached (`--journal-timeout`).
    public struct Patience: Sendable {
        /// The longest outage waited out; zero: fail at once (after the one retry every failed write gets).
        public var timeout: Duration
        /// The first pause between attempts; each next one is twice as long, up to `longestPause`.
        public var firstPause: Duration = .milliseconds(200)
        public var longestPause: Duration = .seconds(5)
        let now: @Sendable () -> ContinuousClock.Instant
        let sleep: @Sendable (Duration) async throws -> Void

        /// - Parameters:
        ///   - now, sleep: the run's clock (tests pass one that moves when told).
        public init(
            timeout: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        ) {
            self.timeout = timeout
            self.now = now
            self.sleep = sleep
        }

        /// No waiting: a journal that cannot be reached fails the write at once.
        public static let none = Patience(timeout: .zero)
    }

    /// The journal went away or came back.
    public enum Outage: Sendable, Hashable {
        /// A write found the journal unreachable; the recorder waits up to `timeout` for it.
        case began(JournalError, timeout: Duration)
        /// A write got through again after `after` of outage.
        case ended(after: Duration)
    }

    private struct Waiting {
        /// nil: a `flush` waiting for the entries queued before it.
        var entry: JournalEntry?
        var answer: CheckedContinuation<Recorded, Never>?
    }

    private struct State {
        var waiting: [Waiting] = []
        /// True while the writer drains the queue; a new arrival then only waits its turn.
        var draining = false
        var failed = false
        /// Set when an outage outlasted the patience: nothing more is written (the journal keeps a prefix of the run).
        var sealed: JournalError?
        /// The number the next append starts at; nil until the head is read.
        var next: Int?
        /// Machine keys whose lease is lost, with why.
        var lost: [String: String] = [:]
    }

    private let journal: any Journal
    private let run: String
    private let fence: LeaseFence?
    private let onFailure: @Sendable (JournalError) -> Void
    private let patience: Patience
    private let onOutage: @Sendable (Outage) -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - fence: the run's holder and leased machines, to fence each `step_started` on (nil: no fencing).
    ///   - patience: how long an unreachable journal is waited for.
    ///   - onOutage: told when the journal becomes unreachable and when it answers again.
    ///   - onFailure: called once, at the first write that fails.
    public init(
        journal: any Journal, run: String, fence: LeaseFence? = nil, patience: Patience = .none,
        onOutage: @escaping @Sendable (Outage) -> Void = { _ in },
        onFailure: @escaping @Sendable (JournalError) -> Void
    ) {
        self.journal = journal
        self.run = run
        self.fence = fence
        self.patience = patience
        self.onOutage = onOutage
        self.onFailure = onFailure
    }

    /// Records `event`; returns once it is durable (or could not be written).
    /// - Returns: `.durable`; `.leaseLost` for a `step_started` on a machine the run no longer holds (the step must
    ///   not start); `.failed` when the journal could not write it.
    @discardableResult
    public func record(_ event: RunEvent) async -> Recorded {
        await withCheckedContinuation { answer in
            enqueue(Waiting(entry: .event(event), answer: answer))
        }
    }

    /// Queues `event` without waiting for it (a notice's delivery, reported from code that cannot wait): it is
    /// written in order with the others; `flush` waits for it.
    public func submit(_ event: RunEvent) {
        enqueue(Waiting(entry: .event(event), answer: nil))
    }

    /// Queues a note the same way (a stop the operator asked for): everything recorded after this call is written
    /// after it.
    public func submit(note: JournalNote) {
        enqueue(Waiting(entry: .note(note), answer: nil))
    }

    /// Returns once every event recorded or submitted before it is written.
    public func flush() async {
        _ = await withCheckedContinuation { answer in
            enqueue(Waiting(entry: nil, answer: answer))
        }
    }

    /// True once a write has failed.
    public var hasFailed: Bool { state.withLock { $0.failed } }

    /// Marks leases as lost (a renewal found them broken or lapsed): no `step_started` on those machines is written
    /// from now on. Idempotent.
    public func leasesLost(_ losses: [LeaseLoss]) {
        state.withLock { state in
            for loss in losses where state.lost[loss.machine] == nil { state.lost[loss.machine] = loss.reason }
        }
    }

    private func enqueue(_ item: Waiting) {
        let startWriter = state.withLock { state in
            state.waiting.append(item)
            defer { state.draining = true }
            return !state.draining
        }
        if startWriter { Task { await self.drain() } }
    }

    /// Writes what is waiting, one transaction per round, until nothing is left.
    private func drain() async {
        while true {
            let round = state.withLock { state in
                let round = state.waiting
                state.waiting.removeAll()
                if round.isEmpty { state.draining = false }
                return round
            }
            if round.isEmpty { return }
            let entries = round.compactMap(\.entry)
            var answers = entries.isEmpty ? [] : await write(entries)[...]
            for item in round {
                if item.entry == nil {
                    item.answer?.resume(returning: .durable)
                } else {
                    let answer = answers.popFirst() ?? .durable
                    item.answer?.resume(returning: answer)
                }
            }
        }
    }

    /// Writes `entries` as one append (fewer when some are refused by the fence); one answer per entry.
    private func write(_ entries: [JournalEntry]) async -> [Recorded] {
        var answers = [Recorded](repeating: .durable, count: entries.count)
        var pending = Array(entries.indices)
        if let sealed = state.withLock({ $0.sealed }) { return fail(sealed, answers: answers, pending: pending) }
        var retried = false
        var outage: (began: ContinuousClock.Instant, pause: Duration)?
        // Each pass either writes, drops at least one fenced entry, or takes another writer's events into account;
        // the bound only stops a journal that keeps answering the same error. Passes waiting out an outage are not
        // counted: they are bounded by the patience's timeout (each pauses at least `firstPause`).
        var passes = 0
        while passes < entries.count + 8 {
            passes += 1
            pending = pending.filter { index in
                guard let reason = lostReason(entries[index]) else { return true }
                answers[index] = .leaseLost(reason: reason)
                return false
            }
            if pending.isEmpty { return answers }
            do {
                let first = try await nextSequence()
                let stored = try await journal.append(pending.map { entries[$0] }, run: run, at: first, fence: fence)
                state.withLock { $0.next = first + stored.count }
                if let outage { onOutage(.ended(after: outage.began.duration(to: patience.now()))) }
                return answers
            } catch let error as JournalError where error.code == .unreachable {
                let now = patience.now()
                if outage == nil {
                    outage = (now, patience.firstPause)
                    if patience.timeout > .zero { onOutage(.began(error, timeout: patience.timeout)) }
                }
                let waited = outage!.began.duration(to: now)
                guard waited < patience.timeout else {
                    let sealed = JournalError(
                        .unreachable,
                        patience.timeout > .zero
                            ? "the journal has been unreachable for \(Self.seconds(waited)) (longer than the journal "
                                + "timeout, \(Self.seconds(patience.timeout))): \(error.message)"
                            : error.message)
                    state.withLock { $0.sealed = sealed }
                    return fail(sealed, answers: answers, pending: pending)
                }
                try? await patience.sleep(min(outage!.pause, patience.timeout - waited))
                outage!.pause = min(outage!.pause * 2, patience.longestPause)
                passes -= 1
            } catch let error as JournalError where error.code == .leaseLost && !error.losses.isEmpty {
                leasesLost(error.losses)
            } catch let error as JournalError where error.code == .sequenceTaken {
                do {
                    pending = try await skipStored(pending.map { entries[$0] }, indices: pending)
                } catch {
                    return fail(error, answers: answers, pending: pending)
                }
            } catch let error as JournalError where error.code == .writeFailed && !retried {
                // Sent once more at the same numbers: if the first attempt committed and only its acknowledgement
                // was lost, the journal answers with what it stored; nothing is written twice.
                retried = true
            } catch {
                return fail(error, answers: answers, pending: pending)
            }
        }
        return fail(
            JournalError(
                .writeFailed, "journal: cannot record \(entries.count) events of run \(run): it keeps refusing"),
            answers: answers, pending: pending)
    }

    /// `60 s`, `1.5 s`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : String(format: "%.1f s", Double(milliseconds) / 1000)
    }

    /// Why a `step_started` may not be written (its machine's lease is lost), or nil.
    private func lostReason(_ entry: JournalEntry) -> String? {
        guard let fence, let name = fence.fencedName(of: entry), let machine = fence.machines[name] else { return nil }
        return state.withLock { $0.lost[machine] }
    }

    /// The number our next append starts at: read from the run's head once, then kept.
    private func nextSequence() async throws -> Int {
        if let next = state.withLock({ $0.next }) { return next }
        guard let record = try await journal.run(run) else { throw JournalError.unknownRun(run) }
        let next = record.head.count + 1
        state.withLock { $0.next = next }
        return next
    }

    /// After `sequenceTaken`: re-reads the chain from our number, drops the entries already stored as ours (in
    /// order), and moves our number past the head.
    /// - Returns: the indices still to write.
    private func skipStored(_ entries: [JournalEntry], indices: [Int]) async throws -> [Int] {
        let from = try await nextSequence()
        let stored = try await journal.events(run: run, after: from - 1)
        // Ours are stored in order, possibly with other writers' events between: match them as a subsequence.
        var matched = 0
        for event in stored where matched < entries.count {
            if event.kind == entries[matched].kind, event.payload == (try? entries[matched].canonicalPayload()) {
                matched += 1
            }
        }
        let remaining = indices.dropFirst(matched)
        let head = (stored.last?.sequence ?? from - 1) + 1
        state.withLock { $0.next = head }
        return Array(remaining)
    }

    /// Answers the pending entries `.failed` and reports the first failure.
    private func fail(_ error: any Error, answers: [Recorded], pending: [Int]) -> [Recorded] {
        let journalError = error as? JournalError ?? JournalError(.writeFailed, "\(error)")
        var answers = answers
        for index in pending { answers[index] = .failed(reason: journalError.message) }
        let first = state.withLock { state in
            defer { state.failed = true }
            return !state.failed
        }
        if first { onFailure(journalError) }
        return answers
    }
}
