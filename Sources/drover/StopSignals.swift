import DroverEngine
import Foundation

/// The operator's stops as the operating system delivers them: SIGINT (Ctrl-C), SIGTERM (a supervisor) and SIGHUP
/// (the terminal closed, or the SSH session to the jump host dropped) each raise the run's `StopSignal` one level —
/// the first finishes in-flight steps and starts nothing new, the second aborts them. None of them kills the
/// controller: what the run does about a stop is the runtime's (`StopResponder`).
///
/// `@unchecked Sendable`: its only state is the list of dispatch sources, set once in `init`; a dispatch source may be
/// cancelled from any thread.
final class StopSignals: @unchecked Sendable {
    private static let numbers = [SIGINT, SIGTERM, SIGHUP]
    private let sources: [any DispatchSourceSignal]

    /// Starts turning the signals into `stop.escalate()`.
    init(raising stop: StopSignal) {
        // A parent may hand us these blocked (some process launchers do); a stop must still work.
        var set = sigset_t()
        sigemptyset(&set)
        for number in Self.numbers { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        sources = Self.numbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.escalate() }
            source.resume()
            return source
        }
    }

    /// Stops listening and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        for number in Self.numbers { signal(number, SIG_DFL) }
    }
}
