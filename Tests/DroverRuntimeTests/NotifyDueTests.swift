import DroverJournal
import DroverModel
import DroverNotify
import DroverRuntime
import DroverTestSupport
import Foundation
import Synchronization
import Testing

/// `drover notify-due` on a manual clock: advance notices and reminders when due, each once, under concurrent
/// senders and after a sender died half way; nothing sleeps for hours.
@Suite struct NotifyDueTests {
    /// Records what it is given; fails every send while `failing`.
    final class RecordingSender: NoticeSender {
        let shown = "command recorder"
        private let state = Mutex<[RenderedNotice]>([])
        var sent: [RenderedNotice] { state.withLock { $0 } }
        func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
            state.withLock { $0.append(notice) }
        }
    }

    static let policy = SchedulerTests.policy + """

        notify:
          advance: [72h, 24h, 1h]
          targets:
            - { command: "/bin/true" }
        """

    struct Parts {
        let files: SchedulerTests.Files
        let sender = RecordingSender()

        init() throws {
            files = try SchedulerTests.Files()
            try files.harness.write("policy.yml", NotifyDueTests.policy)
        }

        func scheduler(pid: Int32 = 7) -> Scheduler {
            var scheduler = files.scheduler
            scheduler.identity = ControllerIdentity(operator: "cron", machine: "ctl1", pid: pid)
            return scheduler
        }

        var delivery: Scheduler.NoticeDelivery {
            let sender = self.sender
            return Scheduler.NoticeDelivery(sender: { _ in sender }, policy: DeliveryPolicy(attempts: 1))
        }

        /// Moves the clock to `hours` before the planned start (Sunday 2026-11-29 02:00 UTC).
        func moveTo(hoursBefore hours: Double) {
            let start = ISO8601DateFormatter().date(from: "2026-11-29T02:00:00Z")!
            let target = start.addingTimeInterval(-hours * 3600)
            let seconds = target.timeIntervalSince(files.harness.clock.date)
            files.harness.clock.manual.advance(by: .seconds(Int(seconds)))
        }

        func due() async throws -> [String] {
            try await scheduler().notifyDue(delivery).map { $0.outcome.event.rawValue }
        }
    }

    @Test func eachAdvanceNoticeIsSentOnceWhenItIsDue() async throws {
        let parts = try Parts()
        _ = try await parts.files.scheduler.schedule(parts.files.request(.at("2026-11-29 02:00")))
        #expect(try await parts.due().isEmpty)  // 110 hours ahead: nothing yet
        parts.moveTo(hoursBefore: 72)
        #expect(try await parts.due() == ["advance"])
        #expect(try await parts.due().isEmpty)  // once
        parts.moveTo(hoursBefore: 23)
        #expect(try await parts.due() == ["reminder"])
        parts.moveTo(hoursBefore: 0.5)
        #expect(try await parts.due() == ["reminder"])
        #expect(try await parts.due().isEmpty)
        let texts = parts.sender.sent.map(\.text)
        #expect(texts[0].hasPrefix("Planned maintenance: Kernel 6.12 on the app tier (RFC-2026-0042)\n"))
        #expect(texts[0].contains("Starts in 72h: 2026-11-29 02:00 UTC, over by 2026-11-29 06:00 UTC (window Sunday)"))
        #expect(texts[0].contains("Impact: one app server out of the pool at a time"))
        #expect(texts[2].contains("Starts in 1h: 2026-11-29 02:00 UTC"))
        // Each send is in the journal: claimed, then marked delivered.
        let book = try await ScheduleBook.read(from: parts.files.harness.journal)
        #expect(book.marks.count == 3)
        #expect(book.marks.values.allSatisfy { $0.delivered })
    }

    @Test func aRunPlannedLateGetsOnlyItsLatestDueNotice() async throws {
        let parts = try Parts()
        parts.moveTo(hoursBefore: 2)
        _ = try await parts.files.scheduler.schedule(parts.files.request(.at("2026-11-29 02:00")))
        #expect(try await parts.due() == ["reminder"])  // the 24h one, not the 72h one as well
        #expect(try await parts.due().isEmpty)
    }

    @Test func twoSendersAtTheSameMomentSendEachNoticeOnce() async throws {
        let parts = try Parts()
        _ = try await parts.files.scheduler.schedule(parts.files.request(.at("2026-11-29 02:00")))
        parts.moveTo(hoursBefore: 71)
        let delivery = parts.delivery
        async let first = parts.scheduler(pid: 1).notifyDue(delivery)
        async let second = parts.scheduler(pid: 2).notifyDue(delivery)
        let total = try await first.count + second.count
        #expect(total == 1)
        #expect(parts.sender.sent.count == 1)
    }

    @Test func aSenderThatDiedAfterItsClaimIsTakenOverOnceTheClaimIsStale() async throws {
        let parts = try Parts()
        _ = try await parts.files.scheduler.schedule(parts.files.request(.at("2026-11-29 02:00")))
        parts.moveTo(hoursBefore: 71)
        // A sender claimed the notice and died before sending or marking it.
        let now = parts.files.harness.clock.date
        let key = "S-RFC-2026-0042/r0/advance/\(DurationText.format(.seconds(72 * 3600)))/0"
        try await ScheduleBook.update(parts.files.harness.journal, by: "cron", now: now) { _ in
            [
                JournalNote(
                    kind: .noticeClaimed, text: "claimed",
                    schedule: .claimed(
                        NoticeClaim(key: key, schedule: "S-RFC-2026-0042", claimant: "ctl9:99", at: now)))
            ]
        }
        #expect(try await parts.due().isEmpty)  // the claim holds
        parts.files.harness.clock.manual.advance(by: .seconds(Int(ScheduleBook.staleClaim)))
        #expect(try await parts.due() == ["advance"])  // taken over, sent once
        #expect(try await parts.due().isEmpty)
    }

    @Test func aPlannedRunThatWasMissedIsToldOnceAndAMovedOneIsAnnouncedAgain() async throws {
        let parts = try Parts()
        _ = try await parts.files.scheduler.schedule(parts.files.request(.at("2026-11-29 02:00")))
        parts.moveTo(hoursBefore: 71)
        #expect(try await parts.due() == ["advance"])
        parts.moveTo(hoursBefore: -5)  // 07:00: the window ended at 06:00 without a run
        #expect(try await parts.due() == ["missed"])
        #expect(try await parts.due().isEmpty)
        // Planned again for the next Sunday: a new revision, its own notices.
        _ = try await parts.files.scheduler.schedule(parts.files.request(.at("2026-12-06 02:00")))
        parts.moveTo(hoursBefore: -5 - 24 * 4)
        #expect(try await parts.due() == ["advance"])
    }
}
