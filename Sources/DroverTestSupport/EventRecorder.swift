public import DroverModel
import Synchronization

/// An engine event sink for tests: keeps every event offered, in order, and answers each as a journal would —
/// `.durable`, or what `answer` says (a lost lease, a failing journal).
public final class EventRecorder: Sendable {
    private let events = Mutex<[RunEvent]>([])
    private let answer: @Sendable (RunEvent) -> Recorded

    /// - Parameter answer: the sink's answer to each event (default: every event is durable).
    public init(answer: @escaping @Sendable (RunEvent) -> Recorded = { _ in .durable }) {
        self.answer = answer
    }

    /// Every event offered so far, refused ones included.
    public var all: [RunEvent] { events.withLock { $0 } }

    /// Records `event` and answers it.
    @discardableResult
    public func record(_ event: RunEvent) -> Recorded {
        events.withLock { $0.append(event) }
        return answer(event)
    }

    /// The sink to hand to `RolloutEngine(events:)`.
    public var sink: @Sendable (RunEvent) async -> Recorded {
        { [self] event in record(event) }
    }
}
