import DroverModel
import Testing

@testable import DroverLoading

/// The errors loading policy `text` reports, as printed; empty when it loads.
func policyErrors(_ text: String, path: String = "p.yml") -> [String] {
    do {
        _ = try PolicyLoader().load(text: text, path: path)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// A policy with one environment `prod` whose body is `body` (indented four spaces).
func environmentPolicy(_ body: String) -> String {
    "environments:\n  prod:\n" + body
}

/// A policy whose `prod` environment has one window `{ name: W, <inner> }` on line 4, starting at column 9.
func windowPolicy(_ inner: String) -> String {
    environmentPolicy("    windows:\n      - { name: W, \(inner) }\n")
}

/// A policy whose `prod` environment has one blackout `{ name: B, <inner> }` on line 4.
func blackoutPolicy(_ inner: String) -> String {
    environmentPolicy("    blackouts:\n      - { name: B, \(inner) }\n")
}

/// A policy with one top-level notify target `{ <inner> }` on line 4.
func targetPolicy(_ inner: String) -> String {
    "environments: {}\nnotify:\n  targets:\n    - { \(inner) }\n"
}

@Suite struct PolicyLoaderTests {
    @Test func specExampleLoadsIntoTheModel() throws {
        let policy = try PolicyLoader().load(path: Fixtures.path("spec-policy.yml"))
        #expect(policy.timeZone == "UTC")
        #expect(policy.environments.keys.sorted() == ["production", "staging"])

        let production = try #require(policy.environments["production"])
        let time = { (text: String) in PolicyReader.parseTime(text)! }
        #expect(
            production.windows == [
                MaintenanceWindow(
                    name: "Primary", recurrence: .weekdays([.sunday]), start: time("02:00"), end: time("06:00"),
                    timeZone: "UTC"),
                MaintenanceWindow(
                    name: "Secondary", recurrence: .weekdays([.wednesday]), start: time("02:00"), end: time("04:00"),
                    timeZone: "UTC"),
                MaintenanceWindow(
                    name: "Monthly patching", recurrence: .monthly(NthWeekday(.fourth, .sunday)), start: time("00:00"),
                    end: time("04:00"), timeZone: "Asia/Kuwait"),
            ])
        #expect(
            production.blackouts == [
                Blackout(
                    name: "Morning order rush", kind: .daily(TimeRange(start: time("08:00"), end: time("10:00"))),
                    timeZone: "Asia/Kuwait"),
                Blackout(
                    name: "Weekend planning",
                    kind: .weekly([.friday], TimeRange(start: time("14:00"), end: time("18:00"))), timeZone: "UTC"),
                Blackout(name: "Month-end close", kind: .monthEnd(days: 3), timeZone: "UTC"),
                Blackout(
                    name: "Year-end freeze", kind: .yearly(from: MonthDay(month: 12, day: 28)!, to: MonthDay(month: 1, day: 5)!),
                    timeZone: "UTC"),
                Blackout(
                    name: "Eid al-Fitr 2026",
                    kind: .dates(
                        from: CalendarDate(year: 2026, month: 3, day: 19)!, to: CalendarDate(year: 2026, month: 3, day: 23)!),
                    timeZone: "UTC"),
            ])
        #expect(production.changeTypes == ChangeTypePolicy.defaults)
        #expect(production.rules(for: .emergency) == ChangeTypePolicy(approvalRequired: true, overridesBlackouts: true))
        #expect(production.rules(for: .routine).approvalRequired == false)
        #expect(production.overrunFactor == 1.5)
        #expect(production.onOverrun == .haltAndRollback)
        #expect(production.notify == nil)

        let staging = try #require(policy.environments["staging"])
        #expect(staging.windows?.map(\.name) == ["Nightly", "Extended", "Late"])
        #expect(staging.windows?[0].recurrence == .daily)
        #expect(staging.windows?.map(\.crossesMidnight) == [false, false, true])
        #expect(staging.blackouts.isEmpty)
        #expect(staging.onOverrun == .haltAndRollback)

        let notify = try #require(policy.notify)
        #expect(notify.progressEvery == .seconds(1800))
        #expect(
            notify.targets == [
                NotifyTarget(
                    delivery: .webhook(url: "https://hooks.example/T000/B000", headers: [:]),
                    events: [.started, .progress, .delayed, .completed, .rolledBack, .failed, .refused, .interrupted]),
                NotifyTarget(delivery: .command("/usr/local/bin/page-oncall"), events: [.failed, .rolledBack]),
            ])
        #expect(policy.notify(for: "staging") == notify)
    }

    @Test func specExampleIsTheSpecText() throws {
        // The fixture must stay a verbatim copy of SPEC section 5's example: spot-check its distinctive lines.
        let text = try Fixtures.text("spec-policy.yml")
        #expect(text.hasPrefix("timezone: UTC                  # default zone for every rule without its own (IANA names)\n"))
        #expect(text.contains("      - { name: Late,     days: [sat], start: \"23:30\", end: \"01:30\" }   # crosses midnight\n"))
        #expect(text.contains("    on_overrun: halt_and_rollback   # or halt, or warn\n"))
    }

    @Test func defaultsApplyWhenLeftOut() throws {
        let policy = try PolicyLoader().load(
            text: "environments:\n  dev: {}\n  qa:\n    change_types:\n      routine: { approval: true }\n"
                + "      emergency: { override_blackouts: false }\n    on_overrun: warn\n    overrun_factor: 3\n",
            path: "p.yml")
        #expect(policy.timeZone == "UTC")
        #expect(policy.notify == nil)
        #expect(policy.environments["dev"] == EnvironmentPolicy())
        #expect(policy.environments["dev"]?.windows == nil)
        let qa = try #require(policy.environments["qa"])
        #expect(qa.rules(for: .routine) == ChangeTypePolicy(approvalRequired: true))
        // A field left out keeps the type's default: emergency still needs approval.
        #expect(qa.rules(for: .emergency) == ChangeTypePolicy(approvalRequired: true, overridesBlackouts: false))
        #expect(qa.rules(for: .major) == ChangeTypePolicy.defaults[.major])
        #expect(qa.onOverrun == .warn && !qa.onOverrun.halts)
        #expect(qa.overrunFactor == 3)
    }

    @Test func anAlertmanagerTargetIsReadWithItsLabelValueAndMargin() throws {
        let policy = try PolicyLoader().load(
            text: "environments: {}\nnotify:\n  targets:\n"
                + "    - { alertmanager: \"http://127.0.0.1:9093\", label: host, value: \"{{ host.address }}\", margin: 5m }\n",
            path: "p.yml")
        let target = try #require(policy.notify?.targets.first)
        #expect(
            target.delivery
                == .alertmanager(AlertmanagerTarget(url: "http://127.0.0.1:9093", label: "host", value: .address, margin: .seconds(300))))
        #expect(target.events == AlertmanagerTarget.events)
    }

    @Test func aStatuspageTargetIsReadWithItsPageTokenAndComponents() throws {
        let policy = try PolicyLoader().load(
            text: "environments: {}\nnotify:\n  targets:\n    - statuspage: https://api.statuspage.io\n"
                + "      page_id: kctbh9vrtdwd\n      token: STATUSPAGE_TOKEN\n"
                + "      components: { app: 8kbf7d35c070, db: 9pnx3c20lk6h }\n",
            path: "p.yml")
        let target = try #require(policy.notify?.targets.first)
        let page = StatuspageTarget(
            url: "https://api.statuspage.io", pageID: "kctbh9vrtdwd", token: "STATUSPAGE_TOKEN",
            components: ["app": "8kbf7d35c070", "db": "9pnx3c20lk6h"])
        #expect(target.delivery == .statuspage(page))
        #expect(target.events == StatuspageTarget.events)
        #expect(page.componentIDs(groups: ["db", "all", "app", "db"]) == ["9pnx3c20lk6h", "8kbf7d35c070"])
    }

    @Test func advanceNoticesAreReadLongestFirstAndATargetsOwnReplacesTheBlocks() throws {
        let policy = try PolicyLoader().load(
            text: "environments: {}\nnotify:\n  advance: [1h, 72h, 24h]\n  targets:\n    - command: /bin/a\n"
                + "    - { command: /bin/b, advance: [48h] }\n",
            path: "p.yml")
        let notify = try #require(policy.notify)
        #expect(notify.advance == [.seconds(72 * 3600), .seconds(24 * 3600), .seconds(3600)])
        #expect(notify.advance(for: notify.targets[0]) == notify.advance)
        #expect(notify.advance(for: notify.targets[1]) == [.seconds(48 * 3600)])
    }

    @Test func notifyDefaultsAndEnvironmentOverride() throws {
        let policy = try PolicyLoader().load(
            text: "environments:\n  prod:\n    notify:\n      targets:\n        - command: /bin/notify\n"
                + "notify:\n  progress_every: 1h\n  templates: { started: \"Starting {{change_id}}\" }\n"
                + "  targets:\n    - webhook: https://hooks.example/x\n      headers: { Authorization: HOOK_TOKEN }\n",
            path: "p.yml")
        let top = try #require(policy.notify)
        #expect(top.progressEvery == .seconds(3600))
        #expect(top.templates == [.started: "Starting {{change_id}}"])
        #expect(top.targets.first?.delivery == .webhook(url: "https://hooks.example/x", headers: ["Authorization": "HOOK_TOKEN"]))
        #expect(top.targets.first?.events == Set(NotifyEvent.allCases))
        let own = try #require(policy.notify(for: "prod"))
        #expect(own.progressEvery == NotifySettings.defaultProgressEvery)
        #expect(own.targets == [NotifyTarget(delivery: .command("/bin/notify"))])
        #expect(policy.notify(for: "elsewhere") == top)
    }

    @Test(arguments: [
        // Times.
        (windowPolicy(#"days: [sun], start: "25:00", end: "06:00""#),
         "p.yml:4:40: start of window 'W' must be a 24-hour time HH:MM from 00:00 to 23:59, found '25:00'"),
        (windowPolicy(#"days: [sun], start: "12:60", end: "06:00""#),
         "p.yml:4:40: start of window 'W' must be a 24-hour time HH:MM from 00:00 to 23:59, found '12:60'"),
        (windowPolicy(#"days: [sun], start: 7pm, end: "06:00""#),
         "p.yml:4:40: start of window 'W' must be a 24-hour time HH:MM from 00:00 to 23:59, found '7pm'"),
        (windowPolicy(#"days: [sun], start: "24:00", end: "06:00""#),
         "p.yml:4:40: start of window 'W' must be a 24-hour time HH:MM from 00:00 to 23:59, found '24:00'"),
        (windowPolicy(#"days: [sun], start: "02:00", end: "24:01""#),
         "p.yml:4:54: end of window 'W' must be a 24-hour time HH:MM from 00:00 to 24:00, found '24:01'"),
        (windowPolicy(#"days: [sun], start: "02:00", end: "02:00""#),
         "p.yml:4:54: window 'W' starts and ends at 02:00; give it a length (00:00 to 24:00 is a whole day)"),
        // Recurrence.
        (windowPolicy(#"nth: 5th sun, start: "02:00", end: "04:00""#),
         "p.yml:4:25: nth of window 'W' must start with 1st, 2nd, 3rd, 4th or last, found '5th' (not every month has a 5th)"),
        (windowPolicy(#"nth: 4th xyz, start: "02:00", end: "04:00""#),
         "p.yml:4:25: unknown weekday 'xyz' in nth of window 'W'; expected one of: mon, tue, wed, thu, fri, sat, sun"),
        (windowPolicy(#"nth: 4th, start: "02:00", end: "04:00""#),
         "p.yml:4:25: nth of window 'W' must be an ordinal and a weekday such as '4th sun' or 'last fri', found '4th'"),
        (windowPolicy(#"days: [sun, sundy], start: "02:00", end: "04:00""#),
         "p.yml:4:32: unknown weekday 'sundy' in days of window 'W'; did you mean 'sun'?"),
        (windowPolicy(#"days: [Sunday], start: "02:00", end: "04:00""#),
         "p.yml:4:27: unknown weekday 'Sunday' in days of window 'W'; did you mean 'sun'?"),
        (windowPolicy(#"days: [], start: "02:00", end: "04:00""#),
         "p.yml:4:26: days of window 'W' must list at least one weekday"),
        (windowPolicy(#"days: [sun], nth: 4th sun, start: "02:00", end: "04:00""#),
         "p.yml:4:33: window 'W' has both 'days' and 'nth'; give one of them"),
        (windowPolicy(#"start: "02:00", end: "04:00""#),
         "p.yml:4:9: window 'W' needs 'days' (daily or a list of weekdays) or 'nth' (such as '4th sun')"),
        (windowPolicy(#"days: [sun], start: "02:00""#), "p.yml:4:9: window 'W' needs 'end' (a time such as 02:00)"),
        (environmentPolicy("    windows:\n      - { days: [sun], start: \"02:00\", end: \"04:00\" }\n"),
         "p.yml:4:9: a window of environment 'prod' needs a 'name'"),
        (environmentPolicy("    windows: []\n"),
         "p.yml:3:14: windows of environment 'prod' must list at least one window; leave 'windows' out to allow any time outside blackouts"),
        // Time zones.
        ("timezone: Asia/Kuwiat\nenvironments: {}\n",
         "p.yml:1:11: unknown time zone 'Asia/Kuwiat' in the policy; did you mean 'Asia/Kuwait'?"),
        ("timezone: Kuwait\nenvironments: {}\n",
         "p.yml:1:11: unknown time zone 'Kuwait' in the policy; did you mean 'Asia/Kuwait'?"),
        ("timezone: ../../etc/passwd\nenvironments: {}\n",
         "p.yml:1:11: unknown time zone '../../etc/passwd' in the policy; use an IANA name such as 'UTC' or 'Europe/Berlin'"),
        ("timezone: /usr/share/zoneinfo/UTC\nenvironments: {}\n",
         "p.yml:1:11: unknown time zone '/usr/share/zoneinfo/UTC' in the policy; use an IANA name such as 'UTC' or 'Europe/Berlin'"),
        (windowPolicy(#"days: [sun], start: "02:00", end: "04:00", timezone: Asia/Kuwiat"#),
         "p.yml:4:73: unknown time zone 'Asia/Kuwiat' in window 'W'; did you mean 'Asia/Kuwait'?"),
        // Blackouts.
        (blackoutPolicy(#"dates: "2026-03-23..2026-03-19""#),
         "p.yml:4:27: dates of blackout 'B' run backwards: 2026-03-23 is after 2026-03-19"),
        (blackoutPolicy(#"dates: "2026-02-30""#),
         "p.yml:4:27: dates of blackout 'B' names '2026-02-30', a date that does not exist (February 2026 has 28 days)"),
        (blackoutPolicy(#"dates: "2026-3-1""#),
         "p.yml:4:27: dates of blackout 'B' must be YYYY-MM-DD..YYYY-MM-DD or one date, found '2026-3-1'"),
        (blackoutPolicy(#"yearly: "02-30..03-01""#), "p.yml:4:28: yearly of blackout 'B' names '02-30', a day no year has"),
        (blackoutPolicy("month_end_days: 28"), "p.yml:4:36: month_end_days of blackout 'B' must be from 1 to 27, found 28"),
        (blackoutPolicy("month_end_days: 0"), "p.yml:4:36: month_end_days of blackout 'B' must be from 1 to 27, found 0"),
        (blackoutPolicy(#"daily: "08:00-08:00""#),
         "p.yml:4:27: daily of blackout 'B' starts and ends at 08:00; give it a length (00:00 to 24:00 is a whole day)"),
        (blackoutPolicy(#"daily: "8am-10am""#),
         "p.yml:4:27: daily of blackout 'B' must be a range of 24-hour times such as 08:00-10:00 (from 00:00 to 24:00), found '8am-10am'"),
        (blackoutPolicy(#"daily: "08:00-10:00", yearly: "12-28..01-05""#),
         "p.yml:4:42: blackout 'B' has both 'daily' and 'yearly'; give one of them"),
        (blackoutPolicy(#"days: [fri], start: "14:00""#), "p.yml:4:9: blackout 'B' needs 'end' (a time such as 02:00)"),
        // Environment settings.
        (environmentPolicy("    overrun_factor: 1\n"),
         "p.yml:3:21: overrun_factor of environment 'prod' must be more than 1 (1.5 allows 50% over the estimate), found 1"),
        (environmentPolicy("    overrun_factor: 0.5\n"),
         "p.yml:3:21: overrun_factor of environment 'prod' must be more than 1 (1.5 allows 50% over the estimate), found 0.5"),
        (environmentPolicy("    overrun_factor: 1e400\n"),
         "p.yml:3:21: overrun_factor of environment 'prod' must be a number, found '1e400'"),
        (environmentPolicy("    overrun_factor: 1000\n"),
         "p.yml:3:21: overrun_factor of environment 'prod' must be at most 100, found 1000"),
        (environmentPolicy("    on_overrun: halt_rollback\n"),
         "p.yml:3:17: unknown on_overrun 'halt_rollback' in environment 'prod'; did you mean 'halt_and_rollback'?"),
        (environmentPolicy("    on_overrun: hlat\n"),
         "p.yml:3:17: unknown on_overrun 'hlat' in environment 'prod'; did you mean 'halt'?"),
        (environmentPolicy("    on_overrun: explode\n"),
         "p.yml:3:17: unknown on_overrun 'explode' in environment 'prod'; expected one of: halt_and_rollback, halt, warn"),
        (environmentPolicy("    change_types:\n      hotfix: { approval: true }\n"),
         "p.yml:4:7: unknown key 'hotfix' in change_types of environment 'prod'; expected one of: routine, normal, major, emergency"),
        (environmentPolicy("    change_types:\n      emergncy: { approval: true }\n"),
         "p.yml:4:7: unknown key 'emergncy' in change_types of environment 'prod'; did you mean 'emergency'?"),
        // Unknown keys at every level.
        ("environments: {}\ntimezon: UTC\n", "p.yml:2:1: unknown key 'timezon' in the policy; did you mean 'timezone'?"),
        (environmentPolicy("    blackout: []\n"),
         "p.yml:3:5: unknown key 'blackout' in environment 'prod'; did you mean 'blackouts'?"),
        (windowPolicy(#"days: [sun], start: "02:00", end: "04:00", timzone: UTC"#),
         "p.yml:4:63: unknown key 'timzone' in a window of environment 'prod'; did you mean 'timezone'?"),
        (blackoutPolicy(#"month_end_days: 3, tiemzone: UTC"#),
         "p.yml:4:39: unknown key 'tiemzone' in a blackout of environment 'prod'; did you mean 'timezone'?"),
        (environmentPolicy("    change_types:\n      routine: { aproval: false }\n"),
         "p.yml:4:18: unknown key 'aproval' in change type 'routine'; did you mean 'approval'?"),
        ("environments: {}\nnotify:\n  targts: []\n", "p.yml:3:3: unknown key 'targts' in notify; did you mean 'targets'?"),
        (targetPolicy(#"command: x, event: [failed]"#),
         "p.yml:4:21: unknown key 'event' in notify target 1; did you mean 'events'?"),
        // Notify.
        (targetPolicy(#"webhook: "ftp://hooks.example/T000/SECRET""#),
         "p.yml:4:18: webhook of notify target 1 must be an http:// or https:// URL, found 'ftp://hooks.example/…'"),
        (targetPolicy(#"webhook: "hooks.example/T000/SECRET""#),
         "p.yml:4:18: webhook of notify target 1 must be an http:// or https:// URL"),
        (targetPolicy(#"webhook: "https://hooks.example/T0 SECRET""#),
         "p.yml:4:18: webhook of notify target 1 must be an http:// or https:// URL, found 'https://hooks.example/…'"),
        (targetPolicy(#"webhook: "https://h.example/x", events: [complted]"#),
         "p.yml:4:50: unknown event 'complted' in events of notify target 1; did you mean 'completed'?"),
        (targetPolicy(#"webhook: "https://h.example/x", headers: { Authorization: "Bearer SECRET" }"#),
         "p.yml:4:67: header 'Authorization' in notify target 1 must name the environment variable holding its value (such as HOOK_TOKEN), not the value itself"),
        (targetPolicy(#"webhook: "https://h/", command: x"#),
         "p.yml:4:32: notify target 1 has both 'webhook' and 'command'; give one of them"),
        ("environments: {}\nnotify:\n  progress_every: 10s\n",
         "p.yml:3:19: progress_every of notify must be at least 1m, found '10s'"),
        (targetPolicy(#"alertmanager: "http://127.0.0.1:9093", label: "in stance""#),
         "p.yml:4:55: label of notify target 1 must be an Alertmanager label name (letters, digits, _), found 'in stance'"),
        (targetPolicy(#"statuspage: "https://api.statuspage.io", page_id: p1, token: "0a1b2c3d4e5f""#),
         "p.yml:4:70: token of notify target 1 must name the environment variable holding the API key (such as STATUSPAGE_TOKEN), not the key itself"),
        (targetPolicy(#"webhook: "http://h/x", margin: 5m"#),
         "p.yml:4:32: margin in notify target 1 goes with 'alertmanager' only"),
        ("environments: {}\nnotify:\n  advance: [72h, 0s]\n",
         "p.yml:3:18: each entry of advance of notify must be a time before the run between 1m and 60d, each once; found '0s'"),
        (targetPolicy(#"command: x, advance: [24h, 24h]"#),
         "p.yml:4:36: each entry of advance of notify target 1 must be a time before the run between 1m and 60d, each once; found '24h'"),
        // The document.
        ("- a\n", "p.yml:1:1: the policy must be a mapping of keys to values, found a list"),
        ("timezone: UTC\n", "p.yml:1:1: the policy needs 'environments' (a mapping of environment names to their rules)"),
        ("", "p.yml: the policy file is empty; it needs 'environments'"),
    ])
    func badInputsAreReportedExactly(text: String, expected: String) {
        #expect(policyErrors(text) == [expected])
    }

    @Test(arguments: [
        targetPolicy(#"webhook: "ftp://hooks.example/T000/SECRET""#),
        targetPolicy(#"webhook: "hooks.example/T000/SECRET""#),
        targetPolicy(#"webhook: "https://SECRET@/x""#),
        targetPolicy(#"webhook: "https://hooks.example/T0 SECRET""#),
        targetPolicy(#"webhook: "https://h.example/x", headers: { Authorization: "Bearer SECRET" }"#),
        targetPolicy(#"webhook: "https://h.example/x", headers: { X-Token: "SECRET-123" }"#),
    ])
    func secretsInNotifyTargetsAreNeverPrinted(text: String) {
        let errors = policyErrors(text)
        #expect(errors.count == 1)
        #expect(!errors.joined().contains("SECRET"))
    }

    @Test func everyErrorIsReportedInFileOrder() {
        let text = """
            timezone: Asia/Kuwiat
            environments:
              production:
                windows:
                  - { name: Primary, days: [sun, sundy], start: "25:00", end: "06:00" }
                  - { name: Monthly, nth: 5th sun, start: "00:00", end: "00:00" }
                blackouts:
                  - { name: Eid, dates: "2026-03-23..2026-03-19" }
                  - { name: Close, month_end_days: 30, timezone: Mars/Base }
                overrun_factor: 1
                on_overrun: halt_rollback
                change_types: { hotfix: { approval: true } }
                windws: []
            notify:
              targets:
                - { webhook: "ftp://hooks.example/TOKEN", events: [complted] }

            """
        #expect(
            policyErrors(text) == [
                "p.yml:1:11: unknown time zone 'Asia/Kuwiat' in the policy; did you mean 'Asia/Kuwait'?",
                "p.yml:5:38: unknown weekday 'sundy' in days of window 'Primary'; did you mean 'sun'?",
                "p.yml:5:53: start of window 'Primary' must be a 24-hour time HH:MM from 00:00 to 23:59, found '25:00'",
                "p.yml:6:31: nth of window 'Monthly' must start with 1st, 2nd, 3rd, 4th or last, found '5th' (not every month has a 5th)",
                "p.yml:6:61: window 'Monthly' starts and ends at 00:00; give it a length (00:00 to 24:00 is a whole day)",
                "p.yml:8:29: dates of blackout 'Eid' run backwards: 2026-03-23 is after 2026-03-19",
                "p.yml:9:40: month_end_days of blackout 'Close' must be from 1 to 27, found 30",
                "p.yml:9:54: unknown time zone 'Mars/Base' in blackout 'Close'; use an IANA name such as 'UTC' or 'Europe/Berlin'",
                "p.yml:10:21: overrun_factor of environment 'production' must be more than 1 (1.5 allows 50% over the estimate), found 1",
                "p.yml:11:17: unknown on_overrun 'halt_rollback' in environment 'production'; did you mean 'halt_and_rollback'?",
                "p.yml:12:21: unknown key 'hotfix' in change_types of environment 'production'; expected one of: routine, normal, major, emergency",
                "p.yml:13:5: unknown key 'windws' in environment 'production'; did you mean 'windows'?",
                "p.yml:16:18: webhook of notify target 1 must be an http:// or https:// URL, found 'ftp://hooks.example/…'",
                "p.yml:16:56: unknown event 'complted' in events of notify target 1; did you mean 'completed'?",
            ])
    }

    @Test func acceptedEdgeCases() throws {
        let policy = try PolicyLoader().load(
            text: environmentPolicy(
                """
                    windows:
                      - { name: Whole day, days: daily, start: "00:00", end: "24:00", timezone: Etc/UTC }
                      - { name: Overnight, days: sat, start: "23:30", end: "00:00" }
                      - { name: Last Friday, nth: last fri, start: "1:00", end: "3:00" }
                    blackouts:
                      - { name: Evening, days: daily, start: "22:00", end: "02:00" }
                      - { name: Holiday, dates: "2026-12-25" }
                      - { name: Leap day, yearly: "02-29" }

                """),
            path: "p.yml")
        let production = try #require(policy.environments["prod"])
        let windows = try #require(production.windows)
        #expect(windows[0].recurrence == .daily && windows[0].end.isEndOfDay && !windows[0].crossesMidnight)
        #expect(windows[0].timeZone == "Etc/UTC")
        #expect(windows[1].recurrence == .weekdays([.saturday]) && windows[1].crossesMidnight)
        #expect(windows[2].recurrence == .monthly(NthWeekday(.last, .friday)))
        #expect(windows[2].start == WallClockTime(hour: 1, minute: 0))
        #expect(production.blackouts[0].kind == .daily(TimeRange(start: .init(hour: 22, minute: 0)!, end: .init(hour: 2, minute: 0)!)))
        let christmas = CalendarDate(year: 2026, month: 12, day: 25)!
        #expect(production.blackouts[1].kind == .dates(from: christmas, to: christmas))
        #expect(production.blackouts[2].kind == .yearly(from: MonthDay(month: 2, day: 29)!, to: MonthDay(month: 2, day: 29)!))
    }

    @Test func readsFilesAndRefusesWhatIsNotOne() throws {
        #expect(throws: LoadErrors.self) { try PolicyLoader().load(path: Fixtures.directory) }
        do {
            _ = try PolicyLoader().load(path: Fixtures.directory + "/no-such-policy.yml")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.errors.map(\.description) == [Fixtures.directory + "/no-such-policy.yml: cannot read the file: No such file or directory"])
        }
        do {
            _ = try PolicyLoader().load(path: Fixtures.directory)
        } catch {
            #expect(error.errors.first?.message == "is a directory; name the file itself")
        }
    }
}
