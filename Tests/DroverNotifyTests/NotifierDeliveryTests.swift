import DroverModel
import DroverNotify
import DroverTestSupport
import Foundation
import Testing

/// Notices sent for real: a webhook receiver on loopback started by each test, and local commands.
@Suite(.timeLimit(.minutes(1))) struct NotifierDeliveryTests {
    /// Every `RunEvent.notification` a notifier reported.
    final class Reports: @unchecked Sendable {
        struct Entry: Equatable {
            var event: NotifyEvent
            var target: String
            var delivered: Bool
            var error: String?
        }

        private let lock = NSLock()
        private var stored: [Entry] = []

        var entries: [Entry] { lock.withLock { stored } }

        func add(_ event: RunEvent) {
            guard case .notification(let notice, let target, let delivered, let error) = event else { return }
            lock.withLock { stored.append(Entry(event: notice, target: target, delivered: delivered, error: error)) }
        }
    }

    private static let token = ["TEST_HOOK_TOKEN": "Bearer s3cret-value"]

    private func webhookNotifier<C: Clock<Duration>>(
        _ receiver: HTTPReceiver, events: Set<NotifyEvent> = Set(NotifyEvent.allCases),
        delivery: DeliveryPolicy = DeliveryPolicy(timeout: .seconds(5), attempts: 1), clock: C,
        progressEvery: Duration = .seconds(1800)
    ) throws -> (Notifier<C>, Reports) {
        let target = NotifyTarget(
            delivery: .webhook(url: receiver.url, headers: ["Authorization": "TEST_HOOK_TOKEN"]), events: events)
        let settings = NotifySettings(progressEvery: progressEvery, targets: [target])
        let reports = Reports()
        let sender = WebhookSender(
            url: receiver.url, headers: ["Authorization": "TEST_HOOK_TOKEN"], environment: { Self.token })
        let notifier = Notifier(
            settings: settings, facts: ScriptedRuns.facts(), templates: try NoticeTemplates(), senders: [sender],
            delivery: delivery, clock: clock, report: reports.add)
        return (notifier, reports)
    }

    private func webhookNotifier(
        _ receiver: HTTPReceiver, events: Set<NotifyEvent> = Set(NotifyEvent.allCases),
        delivery: DeliveryPolicy = DeliveryPolicy(timeout: .seconds(5), attempts: 1)
    ) throws -> (Notifier<ContinuousClock>, Reports) {
        try webhookNotifier(receiver, events: events, delivery: delivery, clock: ContinuousClock())
    }

    @Test func successfulRunArrivesInOrderWithItsFields() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let (notifier, reports) = try webhookNotifier(receiver)
        for event in ScriptedRuns.successful { notifier.handle(event) }
        await notifier.finish()

        let requests = receiver.requests
        #expect(requests.map { $0.json?["event"] as? String } == ["started", "completed"])
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.path == "/hook/T0KEN-SECRET")
            #expect(request.headers["authorization"] == "Bearer s3cret-value")
            #expect(request.headers["content-type"]?.hasPrefix("application/json") == true)
        }
        let started = try #require(requests.first?.json)
        #expect(started["run_id"] as? String == "20261122-020000-beef")
        #expect(started["change_id"] as? String == "RFC-2026-0042")
        #expect(started["environment"] as? String == "production")
        #expect(started["hosts_total"] as? Int == 4)
        #expect((started["text"] as? String)?.hasPrefix("Maintenance started: App update (RFC-2026-0042)\n") == true)
        let completed = try #require(requests.last?.json)
        #expect(completed["outcome"] as? String == "SUCCESSFUL")
        #expect(completed["hosts_done"] as? Int == 4)
        #expect(completed["failed_hosts"] as? [String] == [])
        #expect(completed["title"] as? String == "Maintenance completed")

        let shown = "webhook http://127.0.0.1:\(receiver.port)/…"
        #expect(reports.entries == [
            .init(event: .started, target: shown, delivered: true),
            .init(event: .completed, target: shown, delivered: true),
        ])
    }

    @Test func rolledBackRunArrivesInOrderWithTheHostsConcerned() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let (notifier, reports) = try webhookNotifier(receiver)
        for event in ScriptedRuns.rolledBack { notifier.handle(event) }
        await notifier.finish()

        let bodies = receiver.requests.compactMap(\.json)
        #expect(bodies.map { $0["event"] as? String } == ["started", "rolled_back"])
        let last = try #require(bodies.last)
        #expect(last["outcome"] as? String == "ROLLED BACK")
        #expect(last["failed_hosts"] as? [String] == ["app2"])
        #expect(last["rolled_back_hosts"] as? [String] == ["app1", "app2"])
        // Slack's text is escaped; the field itself is not.
        #expect((last["text"] as? String)?.contains("50% &gt; max 0%") == true)
        #expect(last["reason"] as? String == "batch 1: 1 of 2 hosts failed = 50% > max 0%")
        #expect(reports.entries.allSatisfy { $0.delivered })
    }

    @Test func refusedRunArrivesAlone() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let (notifier, _) = try webhookNotifier(receiver)
        notifier.refused(reason: "in blackout 'Month-end close' until 2026-12-01 00:00 UTC")
        await notifier.finish()
        let bodies = receiver.requests.compactMap(\.json)
        #expect(bodies.map { $0["event"] as? String } == ["refused"])
        #expect(bodies.first?["outcome"] as? String == "REFUSED")
        #expect((bodies.first?["text"] as? String)?.contains("Refused: in blackout 'Month-end close'") == true)
    }

    @Test func onlyTheEventsATargetListsAreSent() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let (notifier, reports) = try webhookNotifier(receiver, events: [.rolledBack, .failed])
        for event in ScriptedRuns.rolledBack { notifier.handle(event) }
        await notifier.finish()
        #expect(receiver.requests.map { $0.json?["event"] as? String } == ["rolled_back"])
        #expect(reports.entries.map(\.event) == [.rolledBack])
    }

    @Test func receiverAnswering500IsRetriedThenReported() async throws {
        let receiver = try HTTPReceiver(mode: .answer(status: 500))
        defer { receiver.stop() }
        let (notifier, reports) = try webhookNotifier(
            receiver, delivery: DeliveryPolicy(timeout: .seconds(5), attempts: 3, backoff: .milliseconds(20)))
        for event in ScriptedRuns.successful { notifier.handle(event) }
        await notifier.finish()
        #expect(receiver.requests.map { $0.json?["event"] as? String } == Array(repeating: "started", count: 3) + Array(repeating: "completed", count: 3))
        #expect(reports.entries.map(\.delivered) == [false, false])
        #expect(reports.entries.first?.error == "HTTP 500: receiver told to fail (after 3 attempts)")
    }

    @Test func clientErrorIsNotRetried() async throws {
        let receiver = try HTTPReceiver(mode: .answer(status: 404))
        defer { receiver.stop() }
        let (notifier, reports) = try webhookNotifier(
            receiver, delivery: DeliveryPolicy(timeout: .seconds(5), attempts: 3, backoff: .milliseconds(20)))
        notifier.refused(reason: "no")
        await notifier.finish()
        #expect(receiver.requests.count == 1)
        #expect(reports.entries.first?.error == "HTTP 404: receiver told to fail")
    }

    @Test func hangingReceiverDoesNotDelayTheRunBeyondTheTimeout() async throws {
        let receiver = try HTTPReceiver(mode: .hang)
        defer { receiver.stop() }
        let (notifier, reports) = try webhookNotifier(
            receiver,
            delivery: DeliveryPolicy(timeout: .milliseconds(300), attempts: 2, backoff: .milliseconds(10), drainTimeout: .seconds(20)))
        let clock = ContinuousClock()
        let feeding = clock.measure {
            for event in ScriptedRuns.successful { notifier.handle(event) }
        }
        // The run's thread never waits for a notice.
        #expect(feeding < .milliseconds(200))
        let draining = await clock.measure { await notifier.finish() }
        // Two notices, two attempts of 300 ms each, in order: about 1.2 s, far from the 20 s drain bound.
        #expect(draining < .seconds(5))
        #expect(reports.entries.map(\.event) == [.started, .completed])
        #expect(reports.entries.allSatisfy { !$0.delivered && $0.error == "no answer within 300ms (after 2 attempts)" })
    }

    @Test func endOfRunWaitsForPendingNoticesOnlyUpToItsBound() async throws {
        let receiver = try HTTPReceiver(mode: .hang)
        defer { receiver.stop() }
        let (notifier, reports) = try webhookNotifier(
            receiver,
            delivery: DeliveryPolicy(timeout: .seconds(30), attempts: 1, drainTimeout: .milliseconds(400)))
        for event in ScriptedRuns.successful { notifier.handle(event) }
        await receiver.waitForRequests(1)
        let draining = await ContinuousClock().measure { await notifier.finish() }
        #expect(draining < .seconds(3))
        #expect(reports.entries.map(\.event) == [.started, .completed])
        #expect(reports.entries.allSatisfy {
            !$0.delivered && $0.error == "not sent: the run ended and 400ms passed waiting for the target"
        }, "\(reports.entries)")
    }

    @Test func missingHeaderVariableIsReportedWithoutSending() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let target = NotifyTarget(delivery: .webhook(url: receiver.url, headers: ["Authorization": "UNSET_TOKEN_VAR"]))
        let reports = Reports()
        let notifier = Notifier(
            settings: NotifySettings(targets: [target]), facts: ScriptedRuns.facts(), templates: try NoticeTemplates(),
            senders: [target.sender(environment: { [:] })], report: reports.add)
        notifier.refused(reason: "no")
        await notifier.finish()
        #expect(receiver.requests.isEmpty)
        #expect(reports.entries.first?.error == "header Authorization: the environment variable UNSET_TOKEN_VAR is not set")
    }

    @Test func headerValueWithALineBreakIsRefusedWithoutSending() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let target = NotifyTarget(delivery: .webhook(url: receiver.url, headers: ["Authorization": "HOOK_TOKEN"]))
        let reports = Reports()
        let notifier = Notifier(
            settings: NotifySettings(targets: [target]), facts: ScriptedRuns.facts(), templates: try NoticeTemplates(),
            senders: [target.sender(environment: { ["HOOK_TOKEN": "Bearer x\r\nX-Injected: 1"] })],
            report: reports.add)
        notifier.refused(reason: "no")
        await notifier.finish()
        #expect(receiver.requests.isEmpty)
        #expect(
            reports.entries.first?.error
                == "header Authorization: the name or the value of HOOK_TOKEN is not a valid header")
    }

    @Test func closedPortIsRetriedThenReported() async throws {
        let receiver = try HTTPReceiver()
        receiver.stop()  // nothing listens on its port any more
        let (notifier, reports) = try webhookNotifier(
            receiver, delivery: DeliveryPolicy(timeout: .seconds(5), attempts: 2, backoff: .milliseconds(10)))
        notifier.refused(reason: "no")
        await notifier.finish()
        #expect(reports.entries.count == 1)
        #expect(reports.entries.first?.delivered == false)
        #expect(reports.entries.first?.error == "could not connect (refused or unreachable) (after 2 attempts)")
    }

    @Test func progressNoticesFollowTheInjectedClock() async throws {
        let receiver = try HTTPReceiver()
        defer { receiver.stop() }
        let clock = ManualClock()
        let (notifier, _) = try webhookNotifier(receiver, clock: clock)
        notifier.handle(ScriptedRuns.started())
        await clock.waitForSleepers()
        clock.advance(by: .seconds(1800))
        await receiver.waitForRequests(2)
        await clock.waitForSleepers()
        clock.advance(by: .seconds(1800))
        await receiver.waitForRequests(3)
        notifier.handle(.runFinished(status: .successful, reason: "done", duration: .seconds(3700)))
        await notifier.finish()
        let bodies = receiver.requests.compactMap(\.json)
        #expect(bodies.map { $0["event"] as? String } == ["started", "progress", "progress", "completed"])
        #expect(bodies.map { $0["elapsed_s"] as? Int } == [0, 1800, 3600, 3600])
        #expect((bodies[1]["text"] as? String)?.contains("Running for 30m") == true)
    }

    @Test func fullQueueDropsTheNoticeAndSaysSo() async throws {
        let gate = GateSender()
        let reports = Reports()
        let notifier = Notifier(
            settings: NotifySettings(targets: [NotifyTarget(delivery: .command("/bin/true"))]),
            facts: ScriptedRuns.facts(), templates: try NoticeTemplates(), senders: [gate],
            delivery: DeliveryPolicy(queueCapacity: 1), report: reports.add)
        notifier.handle(ScriptedRuns.started())  // taken by the sender, which holds it at the gate
        await gate.waitForFirst()
        notifier.windowExtended(to: ScriptedRuns.start.addingTimeInterval(7200), reason: "approved")  // queued
        notifier.handle(.runFinished(status: .successful, reason: "", duration: .zero))  // no room: dropped
        #expect(reports.entries == [
            .init(event: .completed, target: "gate", delivered: false, error: "dropped: 1 notices already waiting for this target")
        ])
        gate.open()
        await notifier.finish()
        #expect(reports.entries.dropFirst().map(\.event) == [.started, .extended])
        #expect(reports.entries.dropFirst().allSatisfy { $0.delivered })
    }

    @Test func commandReceivesTheNoticeJSONOnStdin() async throws {
        let directory = NSTemporaryDirectory() + "drover-notify-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/page oncall.sh"
        try "#!/bin/sh\ncat > \"$1\"\nprintf '%s' \"$DROVER_NOTICE\" > \"$1.event\"\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let output = directory + "/notice.json"
        let command = "'\(script)' \(output)"
        let target = NotifyTarget(delivery: .command(command), events: [.started, .rolledBack])
        let reports = Reports()
        let notifier = Notifier(
            settings: NotifySettings(targets: [target]), facts: ScriptedRuns.facts(), templates: try NoticeTemplates(),
            report: reports.add)
        for event in ScriptedRuns.rolledBack { notifier.handle(event) }
        await notifier.finish()
        #expect(reports.entries == [
            .init(event: .started, target: "command \(script)", delivered: true),
            .init(event: .rolledBack, target: "command \(script)", delivered: true),
        ])
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["event"] as? String == "rolled_back")
        #expect(json["rolled_back_hosts"] as? [String] == ["app1", "app2"])
        // The command gets the text as written, not escaped for Slack.
        #expect((json["text"] as? String)?.contains("50% > max 0%") == true)
        #expect(try String(contentsOfFile: output + ".event", encoding: .utf8) == "rolled_back")
    }

    @Test func failingCommandIsReportedWithItsLastErrorLine() async throws {
        let directory = NSTemporaryDirectory() + "drover-notify-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/gateway"
        try "#!/bin/sh\ncat > /dev/null\necho 'connecting' >&2\necho 'gateway down' >&2\nexit 3\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let sender = CommandSender(command: script)
        let outcome = await DeliveryPolicy(timeout: .seconds(5), attempts: 2, backoff: .milliseconds(10))
            .deliver(RenderedNotice(Notice.sample(.failed), text: "x"), via: sender)
        #expect(!outcome.delivered)
        #expect(outcome.attempts == 2)
        #expect(outcome.error == "\(script) exited with status 3: gateway down (after 2 attempts)")
    }

    @Test func commandThatNeverExitsIsStoppedAtTheTimeout() async throws {
        let sender = CommandSender(command: "/bin/sleep 30")
        let clock = ContinuousClock()
        var outcome: DeliveryOutcome?
        let took = await clock.measure {
            outcome = await DeliveryPolicy(timeout: .milliseconds(300), attempts: 1)
                .deliver(RenderedNotice(Notice.sample(.failed), text: "x"), via: sender)
        }
        // The timeout, then at most a second's grace between SIGTERM and SIGKILL, on a busy machine.
        #expect(took < .seconds(4))
        #expect(outcome?.error == "/bin/sleep did not exit within 300ms; stopped")
    }

    @Test(arguments: [
        ("/usr/local/bin/page-oncall --team ops", ["/usr/local/bin/page-oncall", "--team", "ops"]),
        ("'/opt/my tools/notify' \"a b\" c\\ d", ["/opt/my tools/notify", "a b", "c d"]),
        ("  notify   ''  ", ["notify", ""]),
    ])
    func commandWordsAreSplitLikeAShellWithoutOne(command: String, words: [String]) {
        #expect(CommandSender.words(command) == words)
    }

    @Test func secretsNeverShowInTargets() {
        let hook = NotifyTarget(delivery: .webhook(url: "https://user:pw@hooks.example/T000/B000/XXXX", headers: [:]))
        #expect(hook.shown == "webhook https://hooks.example/…")
        #expect(NotifyTarget(delivery: .command("/usr/bin/sms --key abc123")).shown == "command /usr/bin/sms")
    }
}

/// A sender that holds every send until `open()`.
final class GateSender: NoticeSender, @unchecked Sendable {
    let shown = "gate"
    private let lock = NSLock()
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var firstArrived: CheckedContinuation<Void, Never>?
    private var arrivals = 0

    func send(_ notice: RenderedNotice, timeout: Duration) async throws(NoticeDeliveryError) {
        await withCheckedContinuation { continuation in
            let (resume, first) = lock.withLock { () -> (Bool, CheckedContinuation<Void, Never>?) in
                arrivals += 1
                let first = firstArrived
                firstArrived = nil
                if isOpen { return (true, first) }
                waiting.append(continuation)
                return (false, first)
            }
            first?.resume()
            if resume { continuation.resume() }
        }
    }

    func waitForFirst() async {
        await withCheckedContinuation { continuation in
            let already = lock.withLock {
                if arrivals > 0 { return true }
                firstArrived = continuation
                return false
            }
            if already { continuation.resume() }
        }
    }

    func open() {
        let waiting = lock.withLock {
            isOpen = true
            defer { self.waiting = [] }
            return self.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
