import DroverLoading
import DroverModel
import DroverNotify
import Foundation
import Testing

/// The messages people read: the built-in texts (golden files beside this test) and users' own templates.
@Suite struct NoticeTemplateTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// Set `DROVER_UPDATE_GOLDEN=1` to rewrite the golden files after a deliberate change, then read the diff.
    @Test(arguments: NotifyEvent.allCases)
    func defaultTextMatchesGolden(event: NotifyEvent) throws {
        let text = try NoticeTemplates().render(Notice.sample(event))
        let file = Self.golden.appendingPathComponent("\(event.rawValue).txt")
        if ProcessInfo.processInfo.environment["DROVER_UPDATE_GOLDEN"] == "1" {
            try (text + "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text + "\n" == expected)
    }

    @Test func valuesAreInsertedAsPlainText() throws {
        var notice = Notice.sample(.rolledBack)
        notice.reason = "2 of 4 failed = 50% > max 25% & <b>halted</b>"
        let text = try NoticeTemplates().render(notice)
        #expect(text.contains("ROLLED BACK: 2 of 4 failed = 50% > max 25% & <b>halted</b>"))
        #expect(WebhookSender.slackEscaped("a < b & c > d") == "a &lt; b &amp; c &gt; d")
    }

    @Test func missingFactsReadAsNotSet() throws {
        var notice = Notice.sample(.started, environment: nil)
        notice.facts.window = nil
        notice.facts.impact = nil
        notice.facts.change.id = nil
        let text = try NoticeTemplates().render(notice)
        #expect(text.hasPrefix("Maintenance started: Sample notice from drover notify-test\n"))
        #expect(text.contains("Environment: not set · "))
        #expect(text.contains("Window: none set\n"))
        #expect(text.contains("Impact: not stated\n"))
    }

    @Test func templateOverriddenFromAFileBesideThePolicy() throws {
        let directory = try temporaryDirectory()
        try "Change {{change_id}} is under way on {{hosts_total}} hosts ({{environment}}).\n"
            .write(toFile: directory + "/notices/started.mustache", atomically: true, encoding: .utf8)
        let policy = directory + "/policy.yml"
        try """
            environments: { production: {} }
            notify:
              targets: [{ command: /bin/true }]
              templates:
                started: { file: notices/started.mustache }
                completed: "Done: {{playbook}} in {{elapsed}}"
            """.write(toFile: policy, atomically: true, encoding: .utf8)
        let settings = try #require(try PolicyLoader().load(path: policy).notify)
        let templates = try NoticeTemplates(overrides: settings.templates)
        #expect(templates.render(Notice.sample(.started)) == "Change RFC-2026-0001 is under way on 24 hosts (production).\n")
        #expect(templates.render(Notice.sample(.completed)) == "Done: Sample notice from drover notify-test in 1h 40m")
        // Events not overridden keep the default.
        #expect(templates.render(Notice.sample(.failed)) == (try NoticeTemplates()).render(Notice.sample(.failed)))
    }

    @Test func missingTemplateFileIsALoadErrorAtItsLine() throws {
        let directory = try temporaryDirectory()
        let policy = directory + "/policy.yml"
        try "environments: { production: {} }\nnotify:\n  templates:\n    started: { file: nowhere.mustache }\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        let error = #expect(throws: LoadErrors.self) { try PolicyLoader().load(path: policy) }
        #expect(error?.description.contains("\(policy):4:22: the started template of notify: 'nowhere.mustache': cannot read the file: No such file or directory") == true, "\(String(describing: error))")
    }

    @Test func invalidMustacheIsReportedForItsEvent() {
        let error = #expect(throws: NoticeTemplateError.self) { try NoticeTemplates(overrides: [.progress: "{{#open}} never closed"]) }
        #expect(error?.event == .progress)
        #expect(error?.description.hasPrefix("the progress notice template is not valid Mustache") == true)
    }

    @Test func playbookNotifyIsReadLikeThePolicys() throws {
        let directory = try temporaryDirectory()
        try "Playbook's own: {{playbook}}".write(toFile: directory + "/notices/started.mustache", atomically: true, encoding: .utf8)
        let path = directory + "/play.yml"
        try """
            name: Own notices
            notify:
              progress_every: 10m
              targets: [{ webhook: "https://hooks.example/T1/B2", events: [started, failed] }]
              templates: { started: { file: notices/started.mustache } }
            stages:
              - name: One
                hosts: all
                steps: [{ run: "true" }]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try PlaybookLoader().load(path: path)
        let notify = try #require(loaded.playbook.notify)
        #expect(loaded.hasNotify)
        #expect(notify.progressEvery == .seconds(600))
        #expect(notify.targets == [NotifyTarget(delivery: .webhook(url: "https://hooks.example/T1/B2", headers: [:]), events: [.started, .failed])])
        #expect(notify.templates[.started] == "Playbook's own: {{playbook}}")
    }

    @Test func playbookNotifyErrorsCarryTheirPlace() throws {
        let error = #expect(throws: LoadErrors.self) {
            try PlaybookLoader().load(
                text: "name: x\nnotify:\n  targets: [{ webhook: \"ftp://h/secret\" }]\nstages:\n  - { name: a, hosts: all, steps: [{ run: \"true\" }] }\n",
                path: "p.yml")
        }
        let text = error?.description ?? ""
        #expect(text.contains("p.yml:3:24: webhook of notify target 1 must be an http:// or https:// URL, found 'ftp://h/…'"), "\(text)")
        #expect(!text.contains("secret"))
    }

    private func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "drover-notify-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/notices", withIntermediateDirectories: true)
        return directory
    }
}
