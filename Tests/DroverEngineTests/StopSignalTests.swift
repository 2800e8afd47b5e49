import DroverEngine
import Synchronization
import Testing

/// The stop's levels: each shows (to `current`, `isStopping` and `requested()`) only once its observers have reacted,
/// so whatever ends because of a stop says so after the stop was acknowledged, however the threads fall.
@Suite struct StopSignalTests {
    @Test func aLevelShowsOnlyOnceItsObserversHaveReacted() {
        let stop = StopSignal()
        let seen = Mutex<[StopSignal.Level]>([])
        let observation = stop.observe { _ in seen.withLock { $0.append(stop.current) } }
        defer { observation.cancel() }
        #expect(stop.escalate() == .finishInFlight)
        #expect(stop.current == .finishInFlight && stop.isStopping)
        #expect(stop.escalate() == .abort)
        #expect(stop.current == .abort)
        #expect(stop.escalate() == .abort, "no level past abort")
        #expect(seen.withLock { $0 } == [.none, .finishInFlight], "each observer ran before its level showed")
    }

    @Test func aWaiterGoesOnOnlyAfterTheObservers() async {
        let stop = StopSignal()
        let order = Mutex<[String]>([])
        let observation = stop.observe { _ in order.withLock { $0.append("acknowledged") } }
        defer { observation.cancel() }
        let waiter = Task {
            await stop.requested()
            order.withLock { $0.append("ended") }
        }
        stop.escalate()
        await waiter.value
        #expect(order.withLock { $0 } == ["acknowledged", "ended"])
        // A wait that begins after the stop ends at once.
        await stop.requested()
    }
}
