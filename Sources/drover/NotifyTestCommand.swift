import ArgumentParser
import DroverLoading
import DroverModel
import DroverNotify
import Foundation

/// `drover notify-test --policy FILE [--env ENV]`: a sample of each configured notice to each target, with the result.
struct NotifyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify-test",
        abstract: "Send a sample of each configured notice to each notify target and print what happened.",
        discussion: """
            Each target gets a sample of every event it lists, in order, one attempt each (timeout 5s). Secrets in
            URLs and headers are never printed. Exit 0 when every notice was delivered, 1 otherwise, 64 for a bad
            policy.
            """
    )

    @Option(help: ArgumentHelp("The maintenance policy.", valueName: "file"))
    var policy: String

    @Option(help: ArgumentHelp("Use this environment's notify settings (default: the top-level ones).", valueName: "env"))
    var env: String?

    @Option(help: "Time allowed for each notice (e.g. 5s; at most 10m).", transform: FlagValues.noticeTimeout)
    var timeout: Duration = .seconds(5)

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let loaded = try CommandSupport.loading { try PolicyLoader().load(path: policy) }
        let zone = TimeZone(identifier: loaded.timeZone) ?? TimeZone(identifier: "UTC")!
        guard let settings = env.map({ loaded.notify(for: $0) }) ?? loaded.notify, !settings.targets.isEmpty else {
            Terminal.error("\(policy): no notify targets\(env.map { " for environment '\($0)'" } ?? "")")
            throw ExitCode(64)
        }
        let templates: NoticeTemplates
        do {
            templates = try NoticeTemplates(overrides: settings.templates)
        } catch {
            Terminal.error("notify: \(error)")
            throw ExitCode(64)
        }
        let delivery = DeliveryPolicy(timeout: timeout, attempts: 1)
        let results = await withTaskGroup(of: (Int, [DeliveryOutcome]).self) { group in
            for (index, target) in settings.targets.enumerated() {
                group.addTask {
                    let sender = target.sender()
                    var outcomes: [DeliveryOutcome] = []
                    for event in NotifyEvent.allCases where target.events.contains(event) {
                        let notice = Notice.sample(event, environment: env ?? "example", timeZone: zone)
                        outcomes.append(await delivery.deliver(RenderedNotice(notice, templates: templates), via: sender))
                    }
                    return (index, outcomes)
                }
            }
            var results: [(Int, [DeliveryOutcome])] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        var failures = 0
        for (index, outcomes) in results {
            print(settings.targets[index].shown)
            for outcome in outcomes {
                let padded = outcome.event.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)
                print("  \(padded)" + (outcome.delivered ? "delivered" : "NOT DELIVERED: \(VisibleText.escape(outcome.error ?? "", layout: .singleLine))"))
                if !outcome.delivered { failures += 1 }
            }
        }
        let total = results.reduce(0) { $0 + $1.1.count }
        print("\(total - failures) of \(total) notices delivered")
        if failures > 0 { throw ExitCode(1) }
    }
}
