import DroverJournal
import Foundation

/// A running run's view of `drover extend`: before each batch the window-fit gate asks it for the window's end, and
/// it reads the run's chain after the last event it saw (each event is read once, never a read per event); `watch`
/// also reads every few seconds while a batch runs, so a long batch does not hold back the `extended` notice (and
/// with it the monitoring silence's new end). A new extension is handed to `onExtended` once. A journal that cannot
/// be read keeps the end it knows: window fit then judges on the end as it was, which is the safe side.
actor WindowExtensions {
    private let journal: any Journal
    private let run: String
    private var after: Int
    private var end: Date?
    private let onExtended: @Sendable (WindowExtension) -> Void

    /// - Parameter after: the run's head when the engine starts: extensions written before it (an earlier attempt of
    ///   a resumed run, judged by another window) do not apply.
    init(journal: any Journal, run: String, after: Int, onExtended: @escaping @Sendable (WindowExtension) -> Void) {
        self.journal = journal
        self.run = run
        self.after = after
        self.onExtended = onExtended
    }

    /// The latest extended end, or nil when the window was not extended since the engine started.
    func latest() async -> Date? {
        guard let events = try? await journal.events(run: run, after: after), let last = events.last else { return end }
        after = last.sequence
        for event in events where event.kind == JournalNote.Kind.windowExtended.rawValue {
            guard case .note(let note)? = try? event.entry(), let window = note.window else { continue }
            end = max(end ?? window.to, window.to)
            onExtended(window)
        }
        return end
    }

    /// How often `watch` reads the chain while the run goes on.
    static let watchInterval: Duration = .seconds(5)

    /// Reads the chain every `interval` on `clock` until cancelled, so an extension is told within `interval` of
    /// being journaled, batch or no batch.
    func watch<C: Clock>(every interval: Duration = WindowExtensions.watchInterval, clock: C = ContinuousClock()) async
    where C.Duration == Duration {
        while !Task.isCancelled {
            do { try await clock.sleep(for: interval) } catch { return }
            _ = await latest()
        }
    }
}
