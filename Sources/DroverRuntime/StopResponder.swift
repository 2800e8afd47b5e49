import DroverEngine
import DroverJournal
import DroverModel
import Synchronization

/// What a run does when the operator asks it to stop (Ctrl-C, SIGTERM, SIGHUP: whoever hears it only raises the
/// `StopSignal`): the first request is noted in the journal, in order with the run's events (a resume must know that
/// failures from then on may come from the stop) and acknowledged on the console; the second also aborts the
/// in-flight steps (cancels the engine's task, which ends them on the hosts too).
///
/// It observes the signal for the whole command, so a stop while the run loads, waits for its window or leases its
/// hosts counts too; what exists by then (the journal record, the engine) is attached as the run gets there.
final class StopResponder: Sendable {
    private struct State {
        var sink: RunSink?
        var engine: Task<RunSummary, Never>?
        /// The highest level this responder reacted to. The signal shows a level only after its observers return,
        /// so `attach` reads this too: of an observer and an `attach` at the same moment, one of them reacts.
        var heard: StopSignal.Level = .none
    }

    private let state = Mutex(State())
    private let observation = Mutex<StopSignal.Observation?>(nil)
    private let stop: StopSignal

    init(stop: StopSignal, console: any RunConsole, operator name: String) {
        self.stop = stop
        let observation = stop.observe { [weak self] level in
            console.say(.stopRequested(level))
            guard let self else { return }
            let (sink, engine) = self.state.withLock { state in
                state.heard = max(state.heard, level)
                return (state.sink, state.engine)
            }
            sink?.note(Self.note(level, by: name))
            if level == .abort { engine?.cancel() }
        }
        self.observation.withLock { $0 = observation }
    }

    /// The run's journal record exists: stops from now on are noted in it (and one already asked for is, now).
    func attach(_ sink: RunSink, operator name: String) {
        let level = state.withLock { state in
            state.sink = sink
            return max(state.heard, stop.current)
        }
        if level != .none { sink.note(Self.note(level, by: name)) }
    }

    /// The engine runs in `task`: a second request cancels it (at once, if it already came).
    func attach(_ task: Task<RunSummary, Never>) {
        let level = state.withLock { state in
            state.engine = task
            return max(state.heard, stop.current)
        }
        if level == .abort { task.cancel() }
    }

    /// No more reactions (the run is over).
    func finish() {
        observation.withLock { $0?.cancel() }
    }

    private static func note(_ level: StopSignal.Level, by name: String) -> JournalNote {
        JournalNote(
            kind: .stopRequested,
            text: level == .abort ? "the operator asked to abort in-flight steps" : "the operator asked the run to stop",
            by: name)
    }
}
