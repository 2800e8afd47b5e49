import Synchronization

/// The first critical step that failed in a pass of a batch; once set, no host of the batch starts another step.
final class CriticalLatch: Sendable {
    private let value = Mutex<CriticalStep?>(nil)

    var first: CriticalStep? { value.withLock { $0 } }

    func record(step: String, host: String) {
        value.withLock { current in
            if current == nil { current = CriticalStep(step: step, host: host) }
        }
    }
}
