import DroverModel
import Foundation

/// Tells stakeholders about a run: feeds the run's events to a `NoticePlanner`, renders what it returns, and sends each
/// notice to the targets that want it — in the background, so the rollout never waits for a notice.
///
/// Each target has its own bounded queue and one sender task, so notices reach a target in order and a slow target
/// delays no other. Every notice's fate (delivered, failed after retries, dropped because the queue was full, given
/// up at the end) is passed to `report` as `RunEvent.notification`; nothing here throws into the run.
///
/// The run's timeline (elapsed time, progress cadence) follows the injected `clock`; send timeouts and retry backoff
/// are real time. Call `finish()` once the run is over: it waits for queued notices up to `delivery.drainTimeout`.
public final class Notifier<C: Clock<Duration>>: @unchecked Sendable {
    public typealias Report = @Sendable (RunEvent) -> Void

    private struct Route {
        var target: NotifyTarget
        var sender: any NoticeSender
        var queue: NoticeQueue
    }

    private let lock = NSLock()
    private var planner: NoticePlanner
    private let templates: NoticeTemplates
    private let routes: [Route]
    private let delivery: DeliveryPolicy
    private let clock: C
    private let start: C.Instant
    private let report: Report
    private var workers: [Task<Void, Never>] = []
    private var ticker: Task<Void, Never>?
    private var finished = false

    /// - Parameters:
    ///   - settings: the targets, progress interval and templates in force (the playbook's, else the policy's).
    ///   - facts: what is known of the run before it starts (its window, zone, stage names).
    ///   - templates: compiled from `settings.templates` (built by the caller, so a bad template stops the run before
    ///     it starts).
    ///   - senders: one per target of `settings.targets`, in order; nil makes the real ones.
    public init(
        settings: NotifySettings, facts: RunFacts, templates: NoticeTemplates, senders: [any NoticeSender]? = nil,
        delivery: DeliveryPolicy = .standard, clock: C, report: @escaping Report
    ) {
        self.planner = NoticePlanner(facts: facts, progressEvery: settings.progressEvery)
        self.templates = templates
        let senders = senders ?? settings.targets.map { $0.sender() }
        self.routes = zip(settings.targets, senders).map {
            Route(target: $0, sender: $1, queue: NoticeQueue(capacity: delivery.queueCapacity))
        }
        self.delivery = delivery
        self.clock = clock
        self.start = clock.now
        self.report = report
        self.workers = routes.map { route in
            Task { [delivery] in
                while let notice = await route.queue.next() {
                    let outcome = await delivery.deliver(notice, via: route.sender)
                    // A notice given up on at the end was already reported by `finish`.
                    if route.queue.settle() {
                        report(.notification(
                            event: outcome.event, target: outcome.target, delivered: outcome.delivered,
                            error: outcome.error))
                    }
                }
            }
        }
    }

    /// Takes one event of the run (never blocks on sending). Pass it every event, in order.
    public func handle(_ event: RunEvent) {
        let notices = lock.withLock {
            let notices = planner.handle(event, elapsed: elapsed())
            startTickerIfNeeded()
            return notices
        }
        dispatch(notices)
    }

    /// The run is resumed (`drover resume`): takes its facts without sending `started` again.
    public func resumed(_ run: RunStarted) {
        let notices = lock.withLock {
            let notices = planner.resumed(run, elapsed: elapsed())
            startTickerIfNeeded()
            return notices
        }
        dispatch(notices)
    }

    /// Queues `notice` for the targets whose sender `chosen` picks, whatever events they list, behind what is queued
    /// for them already and ahead of what the run sends after this call (a resume's `started` for the monitoring
    /// targets only, so their silence exists before the run's end expires it).
    public func enqueue(_ notice: RenderedNotice, forSendersWhere chosen: (any NoticeSender) -> Bool) {
        for route in routes where chosen(route.sender) && !route.queue.push(notice) {
            report(.notification(
                event: notice.event, target: route.sender.shown, delivered: false,
                error: "dropped: \(delivery.queueCapacity) notices already waiting for this target"))
        }
    }

    /// The policy refused the run before it started: sends `refused`.
    public func refused(reason: String) {
        dispatch(lock.withLock { planner.refused(reason: reason, elapsed: elapsed()) })
    }

    /// The window was extended to `end` (an approved extension): sends `extended`.
    public func windowExtended(to end: Date, reason: String?) {
        dispatch(lock.withLock { planner.windowExtended(to: end, reason: reason, elapsed: elapsed()) })
    }

    /// Stops the progress notices and waits, up to `delivery.drainTimeout`, for the notices still queued or in
    /// flight; those left are reported as not delivered. Idempotent.
    public func finish() async {
        let (ticker, workers) = lock.withLock {
            finished = true
            return (self.ticker, self.workers)
        }
        ticker?.cancel()
        for route in routes { route.queue.close() }
        // Not a task group: its scope would wait for the workers even after the bound.
        let race = FirstOf()
        let waiter = Task {
            for worker in workers { await worker.value }
            race.finish(true)
        }
        let timer = Task { [delivery] in
            try? await Task.sleep(for: delivery.drainTimeout)
            race.finish(false)
        }
        let allDone = await race.value()
        timer.cancel()
        _ = waiter
        guard !allDone else { return }
        let waited = Notice.spoken(delivery.drainTimeout)
        for (route, worker) in zip(routes, workers) {
            // Abandon before cancelling, so the cancelled send is not reported a second time.
            let left = route.queue.abandon()
            worker.cancel()
            for notice in left {
                report(.notification(
                    event: notice.event, target: route.sender.shown, delivered: false,
                    error: "not sent: the run ended and \(waited) passed waiting for the target"))
            }
        }
    }

    /// Time since the notifier was made, on its clock.
    private func elapsed() -> Duration {
        start.duration(to: clock.now)
    }

    /// Starts the progress loop once the run is going (call with the lock held).
    private func startTickerIfNeeded() {
        guard ticker == nil, !finished, planner.nextProgress != nil else { return }
        ticker = Task { [weak self] in
            while let self, !Task.isCancelled {
                guard let due = self.lock.withLock({ self.planner.nextProgress }) else { return }
                do {
                    try await self.clock.sleep(until: self.start.advanced(by: due), tolerance: nil)
                } catch {
                    return
                }
                let notices = self.lock.withLock { self.planner.progressIfDue(elapsed: self.elapsed()) }
                self.dispatch(notices)
            }
        }
    }

    private func dispatch(_ notices: [Notice]) {
        for notice in notices {
            let wanted = routes.filter { $0.target.events.contains(notice.event) }
            guard !wanted.isEmpty else { continue }
            let rendered = RenderedNotice(notice, templates: templates)
            for route in wanted where !route.queue.push(rendered) {
                report(.notification(
                    event: notice.event, target: route.sender.shown, delivered: false,
                    error: "dropped: \(delivery.queueCapacity) notices already waiting for this target"))
            }
        }
    }
}

extension Notifier where C == ContinuousClock {
    /// A notifier on the real clock.
    public convenience init(
        settings: NotifySettings, facts: RunFacts, templates: NoticeTemplates, senders: [any NoticeSender]? = nil,
        delivery: DeliveryPolicy = .standard, report: @escaping Report
    ) {
        self.init(
            settings: settings, facts: facts, templates: templates, senders: senders, delivery: delivery,
            clock: ContinuousClock(), report: report)
    }
}

/// One target's waiting notices: bounded, first in first out, with one consumer.
final class NoticeQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let capacity: Int
    private var items: [RenderedNotice] = []
    private var waiter: CheckedContinuation<RenderedNotice?, Never>?
    private var closed = false
    private var abandoned = false
    /// The notice the consumer is sending.
    private var inFlight: RenderedNotice?

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds a notice; false when the queue is full or closed.
    func push(_ notice: RenderedNotice) -> Bool {
        let (accepted, waiter): (Bool, CheckedContinuation<RenderedNotice?, Never>?) = lock.withLock {
            guard !closed, items.count < capacity else { return (false, nil) }
            if let waiter = self.waiter {
                self.waiter = nil
                inFlight = notice
                return (true, waiter)
            }
            items.append(notice)
            return (true, nil)
        }
        waiter?.resume(returning: notice)
        return accepted
    }

    /// The next notice, waiting for one; nil once closed and empty, or abandoned.
    func next() async -> RenderedNotice? {
        await withCheckedContinuation { continuation in
            let ready: RenderedNotice?? = lock.withLock {
                if abandoned { return .some(nil) }
                if !items.isEmpty {
                    let notice = items.removeFirst()
                    inFlight = notice
                    return .some(notice)
                }
                if closed { return .some(nil) }
                waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The in-flight notice is done; false when it was already given up on (then it must not be reported again).
    func settle() -> Bool {
        lock.withLock {
            inFlight = nil
            return !abandoned
        }
    }

    /// No more notices will come; the consumer ends once the queue is empty.
    func close() {
        let waiter: CheckedContinuation<RenderedNotice?, Never>? = lock.withLock {
            closed = true
            defer { self.waiter = nil }
            return self.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Gives up: returns the notices not delivered (the one in flight first) and ends the consumer.
    func abandon() -> [RenderedNotice] {
        let (left, waiter): ([RenderedNotice], CheckedContinuation<RenderedNotice?, Never>?) = lock.withLock {
            abandoned = true
            closed = true
            let left = (inFlight.map { [$0] } ?? []) + items
            items = []
            inFlight = nil
            defer { self.waiter = nil }
            return (left, self.waiter)
        }
        waiter?.resume(returning: nil)
        return left
    }
}

/// The first of several results, awaited once.
private final class FirstOf: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Bool?
    private var continuation: CheckedContinuation<Bool, Never>?

    func finish(_ value: Bool) {
        let continuation: CheckedContinuation<Bool, Never>? = lock.withLock {
            guard result == nil else { return nil }
            result = value
            defer { self.continuation = nil }
            return self.continuation
        }
        continuation?.resume(returning: value)
    }

    func value() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready: Bool? = lock.withLock {
                if let result { return result }
                self.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
