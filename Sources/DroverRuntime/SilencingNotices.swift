import DroverModel
import DroverNotify
import Foundation
import Synchronization

/// A run's notices when Alertmanager targets silence its hosts: everything goes to the `Notifier` (whose queues
/// create, move and expire the silence with the `started`, `extended` and closing notices), and a resume, which sends
/// no `started`, expires the silences its interrupted attempt left open and silences the hosts for this attempt.
final class SilencingNotices: RunNotices {
    private let notifier: any RunNotices
    private let silencers: [AlertmanagerSender]
    private let openSilences: [String]
    private let start: RenderedNotice
    private let report: @Sendable (RunEvent) -> Void
    private let resuming = Mutex<Task<Void, Never>?>(nil)

    init(
        notifier: any RunNotices, silencers: [AlertmanagerSender], openSilences: [String], start: RenderedNotice,
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
        let (silencers, open, start, report) = (self.silencers, openSilences, self.start, self.report)
        // Off the run's path, with the same retries and bounds as a notice: a dead Alertmanager never holds it up.
        let task = Task {
            let delivery = DeliveryPolicy.standard
            for silencer in silencers {
                for id in open {
                    var failure: String?
                    do {
                        try await silencer.expire(id, timeout: delivery.timeout)
                    } catch {
                        failure = "\(error)"
                    }
                    if let failure {
                        report(.notification(event: .interrupted, target: silencer.shown, delivered: false, error: failure))
                    }
                }
                let outcome = await delivery.deliver(start, via: silencer)
                report(
                    .notification(
                        event: .started, target: outcome.target, delivered: outcome.delivered, error: outcome.error))
            }
        }
        resuming.withLock { $0 = task }
    }

    func finish() async {
        await resuming.withLock { $0 }?.value
        await notifier.finish()
    }
}
