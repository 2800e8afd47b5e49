import DroverModel

/// How hard a notice is pushed: per-send timeout, bounded retries with backoff, a bounded queue per target, and how
/// long the end of a run waits for notices still queued.
public struct DeliveryPolicy: Sendable, Hashable {
    /// The longest one attempt may take.
    public var timeout: Duration
    /// Attempts per notice, the first included (at least 1).
    public var attempts: Int
    /// The pause before the second attempt; it doubles before each later one.
    public var backoff: Duration
    /// Notices waiting per target; a notice finding its target's queue full is dropped and reported.
    public var queueCapacity: Int
    /// How long `Notifier.finish` waits for notices still queued or in flight.
    public var drainTimeout: Duration

    public init(
        timeout: Duration = .seconds(5), attempts: Int = 3, backoff: Duration = .milliseconds(500),
        queueCapacity: Int = 64, drainTimeout: Duration = .seconds(15)
    ) {
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.queueCapacity = max(1, queueCapacity)
        self.drainTimeout = drainTimeout
    }

    /// The defaults: 5 s per attempt, 3 attempts 0.5 s and 1 s apart, 64 queued per target, 15 s at the end.
    public static let standard = DeliveryPolicy()
}

/// How one notice fared at one target.
public struct DeliveryOutcome: Sendable, Hashable {
    public var event: NotifyEvent
    public var target: String
    public var delivered: Bool
    public var attempts: Int
    /// Why it was not delivered (with the attempt count when more than one was made).
    public var error: String?

    public init(event: NotifyEvent, target: String, delivered: Bool, attempts: Int, error: String? = nil) {
        self.event = event
        self.target = target
        self.delivered = delivered
        self.attempts = attempts
        self.error = error
    }
}

extension DeliveryPolicy {
    /// Sends `notice` through `sender`, retrying retryable failures with backoff until `attempts` run out or the task
    /// is cancelled. Never throws: the outcome says what happened.
    public func deliver(_ notice: RenderedNotice, via sender: any NoticeSender) async -> DeliveryOutcome {
        var pause = backoff
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await sender.send(notice, timeout: timeout)
                return DeliveryOutcome(event: notice.event, target: sender.shown, delivered: true, attempts: attempt)
            } catch {
                let last = !error.retryable || attempt >= attempts || Task.isCancelled
                if !last {
                    do {
                        try await Task.sleep(for: pause)
                        pause = pause * 2
                        continue
                    } catch {}
                }
                let tries = attempt == 1 ? "" : " (after \(attempt) attempts)"
                return DeliveryOutcome(
                    event: notice.event, target: sender.shown, delivered: false, attempts: attempt,
                    error: error.message + tries)
            }
        }
    }
}
