import DroverModel
import Mustache

/// The Mustache templates that turn a notice into its message: built-in defaults, modelled on a maintenance
/// runbook's notices, with any event's replaced by the user's (`notify.templates`).
///
/// Templates render plain text: values are inserted as they are (no HTML escaping); the webhook target escapes for
/// Slack on its own. The context is `Notice.context`.
public struct NoticeTemplates: Sendable {
    private let templates: [NotifyEvent: MustacheTemplate]

    /// The built-in templates, one per event.
    public static let defaults: [NotifyEvent: String] = [
        .started: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Change: {{change_type}}{{#approved_by}}, approved by {{approved_by}}{{/approved_by}}
            Window: {{#window}}{{window}}, until {{window_end_local}}{{/window}}{{^window}}none set{{/window}}
            Impact: {{impact}}{{^impact}}not stated{{/impact}}
            Scope: {{hosts_total}} hosts in {{stage_count}} stages
            Expected completion: {{expected_end_local}}{{^expected_end_local}}not estimated{{/expected_end_local}}
            Next update in {{progress_every}}, or sooner if anything changes.
            """,
        .progress: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Running for {{elapsed}}
            Current stage: {{stage_number}} of {{stage_count}}, {{stage}}: {{stage_hosts_done}} of {{stage_hosts}} hosts done
            Failed so far: {{#any_failed}}{{hosts_failed}} ({{failed_hosts_list}}){{/any_failed}}{{^any_failed}}none{{/any_failed}}
            Expected completion: {{expected_end_local}}{{^expected_end_local}}not estimated{{/expected_end_local}}{{#window}} (window ends {{window_end_local}}){{/window}}
            Next update in {{progress_every}}.
            """,
        .delayed: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Running for {{elapsed}}
            The work will not finish inside the window: new expected completion {{expected_end_local}}, window {{window}} ends {{window_end_local}}.
            Current stage: {{stage_number}} of {{stage_count}}, {{stage}}: {{stage_hosts_done}} of {{stage_hosts}} hosts done
            Impact continues: {{impact}}{{^impact}}not stated{{/impact}}
            """,
        .extended: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Running for {{elapsed}}
            The window now ends {{window_end_local}}{{#reason}}: {{reason}}{{/reason}}
            Current stage: {{stage_number}} of {{stage_count}}, {{stage}}: {{stage_hosts_done}} of {{stage_hosts}} hosts done
            Expected completion: {{expected_end_local}}{{^expected_end_local}}not estimated{{/expected_end_local}}
            """,
        .completed: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Outcome: {{outcome}}
            Hosts: {{hosts_done}} of {{hosts_total}} done
            Duration: {{elapsed}} (started {{started_at_local}}, ended {{time_local}})
            The maintenance is over; report anything unusual to the change owner.
            """,
        .completedWithIssues: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Outcome: {{outcome}}: {{reason}}
            Hosts: {{hosts_done}} of {{hosts_total}} done{{#any_failed}}; {{hosts_failed}} failed: {{failed_hosts_list}}{{/any_failed}}
            Duration: {{elapsed}} (started {{started_at_local}}, ended {{time_local}})
            Follow-up is needed on the hosts that did not complete.
            """,
        .rolledBack: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Outcome: {{outcome}}: {{reason}}
            Rolled back: {{#any_rolled_back}}{{rolled_back_hosts_list}}{{/any_rolled_back}}{{^any_rolled_back}}no host needed it{{/any_rolled_back}}
            Failed: {{#any_failed}}{{failed_hosts_list}}{{/any_failed}}{{^any_failed}}none{{/any_failed}}
            Duration: {{elapsed}} (started {{started_at_local}}, ended {{time_local}})
            The change was not applied; the hosts are back on their previous state.
            """,
        .failed: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Outcome: {{outcome}}: {{reason}}
            Failed: {{#any_failed}}{{failed_hosts_list}}{{/any_failed}}{{^any_failed}}none{{/any_failed}}
            {{#any_rollback_failed}}Rollback failed on: {{rollback_failed_hosts_list}}
            {{/any_rollback_failed}}{{#any_rolled_back}}Rolled back: {{rolled_back_hosts_list}}
            {{/any_rolled_back}}Duration: {{elapsed}} (started {{started_at_local}}, ended {{time_local}})
            Hosts may be left part-way and need attention before the service is back to normal.
            """,
        .refused: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Refused: {{reason}}
            No host was changed.
            """,
        .interrupted: """
            {{title}}: {{playbook}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · {{reason}}
            Hosts: {{hosts_done}} of {{hosts_total}} done{{#stage}}; stopped in stage {{stage_number}} of {{stage_count}}, {{stage}}{{/stage}}
            Duration: {{elapsed}} (started {{started_at_local}}, stopped {{time_local}})
            The run can be resumed with: drover resume {{run_id}}
            """,
        .scheduled: """
            {{title}}: {{change_title}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Change: {{change_type}}{{#approved_by}}, approved by {{approved_by}}{{/approved_by}}
            When: {{scheduled_start_local}}, over by {{scheduled_end_local}}{{#window}} (window {{window}}){{/window}}
            Impact: {{impact}}{{^impact}}not stated{{/impact}}
            Scope: {{hosts_total}} hosts: {{hosts_list}}
            If it fails: {{rollback}}
            Questions: {{contact}}{{^contact}}the change owner{{/contact}}{{#requested_by}} · Requested by {{requested_by}}{{/requested_by}}
            """,
        .advance: """
            {{title}}: {{change_title}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Change: {{change_type}}{{#approved_by}}, approved by {{approved_by}}{{/approved_by}}
            Starts in {{notice_ahead}}: {{scheduled_start_local}}, over by {{scheduled_end_local}}{{#window}} (window {{window}}){{/window}}
            Impact: {{impact}}{{^impact}}not stated{{/impact}}
            Scope: {{hosts_total}} hosts: {{hosts_list}}
            If it fails: {{rollback}}
            Questions: {{contact}}{{^contact}}the change owner{{/contact}}
            """,
        .reminder: """
            {{title}}: {{change_title}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Change: {{change_type}}{{#approved_by}}, approved by {{approved_by}}{{/approved_by}}
            Starts in {{notice_ahead}}: {{scheduled_start_local}}, over by {{scheduled_end_local}}
            Impact: {{impact}}{{^impact}}not stated{{/impact}}
            Questions: {{contact}}{{^contact}}the change owner{{/contact}}
            """,
        .cancelled: """
            {{title}}: {{change_title}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Change: {{change_type}}{{#approved_by}}, approved by {{approved_by}}{{/approved_by}}
            The maintenance planned for {{scheduled_start_local}} will not take place: {{reason}}
            {{#next_opening}}The environment's {{next_opening}}.{{/next_opening}}{{^next_opening}}No new time is set.{{/next_opening}}
            """,
        .missed: """
            {{title}}: {{change_title}}{{#change_id}} ({{change_id}}){{/change_id}}
            Environment: {{environment}}{{^environment}}not set{{/environment}} · Change: {{change_type}}{{#approved_by}}, approved by {{approved_by}}{{/approved_by}}
            The maintenance planned for {{scheduled_start_local}} did not start before its window ended ({{scheduled_end_local}}).
            Nothing was changed; it must be planned again (drover schedule).
            """,
    ]

    /// The defaults with `overrides` in place of the events they name.
    /// - Throws: `NoticeTemplateError` naming the first event whose template is not valid Mustache.
    public init(overrides: [NotifyEvent: String] = [:]) throws(NoticeTemplateError) {
        var templates: [NotifyEvent: MustacheTemplate] = [:]
        for event in NotifyEvent.allCases {
            let text = overrides[event] ?? Self.defaults[event] ?? ""
            do {
                // Plain text: the pragma turns off the HTML escaping Mustache does by default.
                templates[event] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            } catch {
                throw NoticeTemplateError(event: event, overridden: overrides[event] != nil, detail: "\(error)")
            }
        }
        self.templates = templates
    }

    /// The notice's message.
    public func render(_ notice: Notice) -> String {
        templates[notice.event]?.render(notice.context) ?? notice.title
    }
}

/// A template that is not valid Mustache.
public struct NoticeTemplateError: Error, Sendable, CustomStringConvertible {
    public var event: NotifyEvent
    /// True for a user's template (a built-in one failing is a bug).
    public var overridden: Bool
    public var detail: String

    public var description: String {
        "the \(event.rawValue) notice template is not valid Mustache: \(detail)"
    }
}
