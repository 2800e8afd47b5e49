import DroverJournal
import DroverModel
import Synchronization

/// A run's event plumbing: the journal first (written ahead, fenced on the run's leases), then the console, then
/// the notices. Only what the journal wrote is shown or told, and the journal's answer goes back to the engine (a
/// step whose announcement was fenced off or not written does not start).
///
/// A lost lease is said once per host: the lease keeper may find it at a renewal before the engine meets it at the
/// host's next step.
final class RunSink: Sendable {
    private struct State {
        var notices: (any RunNotices)?
        var stage = 0
        var lostAnnounced: Set<String> = []
    }

    let recorder: RunRecorder
    private let console: any RunConsole
    private let state = Mutex(State())

    init(recorder: RunRecorder, console: any RunConsole) {
        self.recorder = recorder
        self.console = console
    }

    /// From now on, recorded events also go to `notices`.
    func tell(_ notices: (any RunNotices)?) {
        state.withLock { $0.notices = notices }
    }

    /// The stage under way (the last `stage_started`), for events raised outside the engine.
    var stage: Int { state.withLock { $0.stage } }

    /// Records `event` ahead of what it announces; shows and tells it once it is durable.
    func record(_ event: RunEvent) async -> Recorded {
        switch event {
        case .stageStarted(let index, _, _, _):
            state.withLock { $0.stage = index }
        case .leaseLost(_, let host, _):
            guard state.withLock({ $0.lostAnnounced.insert(host).inserted }) else { return .durable }
        default:
            break
        }
        let recorded = await recorder.record(event)
        guard recorded == .durable else { return recorded }
        console.show(event)
        state.withLock { $0.notices }?.handle(event)
        return recorded
    }

    /// Shows and tells an event that is in the journal already (written by another process: `drover decide`).
    func show(_ event: RunEvent) {
        console.show(event)
        state.withLock { $0.notices }?.handle(event)
    }

    /// Queues an event from code that cannot wait (a notice's delivery): written in order, shown now.
    func report(_ event: RunEvent) {
        recorder.submit(event)
        console.show(event)
    }

    /// Queues a note in the run's chain, in order with its events.
    func note(_ note: JournalNote) {
        recorder.submit(note: note)
    }
}
