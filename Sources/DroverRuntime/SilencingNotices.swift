import DroverModel
import DroverNotify
import Foundation
import Synchronization

/// A run's notices when Alertmanager targets silence its hosts: everything goes to the `Notifier` (whose queues
/// create, move and expire the silence with the `started`, `extended` and closing notices), and a resume, which sends
/// no `started` to anyone else, expires the silences its interrupted attempt left open and queues a `started` for the
/// monitoring targets alone: in their queue, so the run's end cannot overtake the new silence however fast it comes.
final class SilencingNotices: RunNotices {
    private let notifier: Notifier<ContinuousClock>
    private let silencers: [AlertmanagerSender]
    private let openSilences: [String]
    private let start: RenderedNotice
    private let report: @Sendable (RunEvent) -> Void
    private let resuming = Mutex<Task<Void, Never>?>(nil)

    init(
        notifier: Notifier<ContinuousClock>, silencers: [AlertmanagerSender], openSilences: [String], start: RenderedNotice,
        report: @escaping @Sendable (RunEvent) -> Void
    ) {
        self.notifier = notifier
        self.silencers = silencers
        self.openSilences = openSilences
        self.start = start
        self.report = report
    }

    func handle(_ event: RunEvent) { notifier.handle(event) }
    func refused(reason: String) { notifier.refused(reason: reason) }
    func windowExtended(to end: Date, reason: String?) { notifier.windowExtended(to: end, reason: reason) }

    func resumed(_ run: RunStarted) {
        notifier.resumed(run)
        notifier.enqueue(start) { $0 is AlertmanagerSender }
        let (silencers, open, report) = (self.silencers, openSilences, self.report)
        guard !open.isEmpty else { return }
        // The interrupted attempt's silences, off the run's path and with a notice's bound: a dead Alertmanager never
        // holds the run up. Their order against this attempt's notices does not matter (other ids).
        let task = Task {
            let timeout = DeliveryPolicy.standard.timeout
            for silencer in silencers {
                for id in open {
                    do {
                        try await silencer.expire(id, timeout: timeout)
                    } catch {
                        report(.notification(event: .interrupted, target: silencer.shown, delivered: false, error: "\(error)"))
                    }
                }
            }
        }
        resuming.withLock { $0 = task }
    }

    func finish() async {
        await resuming.withLock { $0 }?.value
        await notifier.finish()
    }
}
