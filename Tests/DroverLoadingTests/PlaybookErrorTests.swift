import DroverModel
import Testing

@testable import DroverLoading

/// Bad playbooks and the exact `file:line:col: message` each gets.
@Suite struct PlaybookErrorTests {
    /// A one-stage playbook whose first step is `step` (lines indented as under `steps:`), stage keys `stage`.
    static func playbook(stage: String = "", step: String = "      - run: uptime") -> String {
        """
        name: Example
        stages:
          - name: Update
            hosts: app
        \(stage.isEmpty ? "" : stage + "\n")    steps:
        \(step)

        """
    }

    @Test(arguments: [
        (playbook(step: "      - run: uptime\n        tiemout: 5m"),
         "play.yml:7:9: unknown key 'tiemout' in a step; did you mean 'timeout'?"),
        (playbook(step: "      - run: uptime\n        timeout: soon"),
         "play.yml:7:18: timeout must be a duration such as 30s, 10m or 1h30m, found 'soon'"),
        (playbook(stage: "    serial: 0"), "play.yml:5:13: serial must be at least 1 host, found 0"),
        (playbook(stage: "    serial: [1, \"150%\"]"),
         "play.yml:5:17: a serial percentage must be from 1% to 100%, found '150%'"),
        (playbook(stage: "    serial: x%"),
         "play.yml:5:13: serial must be a number of hosts or a percentage such as \"25%\", found 'x%'"),
        (playbook(stage: "    max_fail_percentage: 120"),
         "play.yml:5:26: max_fail_percentage must be from 0 to 100, found 120"),
        (playbook(stage: "    on_host_failure: rollbak"),
         "play.yml:5:22: unknown value 'rollbak' in on_host_failure; did you mean 'rollback'?"),
        ("name: x\nchange:\n  id: RFC-26-0042\nstages: [{name: a, hosts: all, steps: [run: x]}]\n",
         "play.yml:3:7: change id must look like RFC-YYYY-NNNN (RFC-2026-0042), found 'RFC-26-0042'"),
        ("name: x\nchange:\n  type: standard\nstages: [{name: a, hosts: all, steps: [run: x]}]\n",
         "play.yml:3:9: unknown change type 'standard' in change; expected one of: routine, normal, major, emergency"),
        (playbook(step: "      - run: uptime\n        script: files/x.sh"),
         "play.yml:7:9: a step has exactly one action, but this one has run and script; split it into separate steps"),
        (playbook(step: "      - name: nothing to do\n        become: true"),
         "play.yml:6:9: a step needs an action: one of run, script, upload, check or wait"),
        (playbook(step: "      - run: uptime\n        when: release >= 2"),
         "play.yml:7:15: when: '>=' is not an operator here (only == and !=) in 'release >= 2'"),
        (playbook(step: "      - run: uptime\n        when: release == latest"),
         "play.yml:7:15: the value in when must be a quoted string, a number, true or false, found 'latest'"),
        (playbook(step: "      - run: echo {{ release"),
         "play.yml:6:19: '{{' is never closed; a template is {{ name }} with a dotted name"),
        (playbook(step: "      - run: echo {{ release | upper }}"),
         "play.yml:6:19: '{{ release | upper }}' is not a lookup; a template holds one dotted name such as "
            + "{{ release }} (no filters or expressions)"),
        (playbook(step: "      - check: { http: { url: \"http://x/\", status: 999 } }"),
         "play.yml:6:52: status must be from 100 to 599, found 999"),
        (playbook(step: "      - check: { disk_free: { path: /, min_percent: 10, min_bytes: 1G } }"),
         "play.yml:6:57: disk_free takes min_percent or min_bytes, not both"),
        (playbook(step: "      - upload: { src: a.tgz, dest: /tmp/, mode: rw }"),
         "play.yml:6:50: mode must be an octal file mode such as 0644 or \"0755\", found 'rw'"),
        (playbook(step: "      - wait: { until: { service: { name: app, state: runing } } }"),
         "play.yml:6:55: unknown state 'runing' in service; expected one of: active, inactive, failed"),
        ("name: x\nstages:\n  - name: a\n    hosts: all\n    steps: [run: x]\n  - name: a\n    hosts: all\n    steps: [run: y]\n",
         "play.yml:6:11: the stage name 'a' is already used on line 3; stage names must be unique"),
        ("name: x\nstages:\n  - name: a\n    steps: [run: x]\n", "play.yml:3:5: missing key 'hosts' in stage 'a'"),
        ("name: x\nstages:\n  - name: a\n    hosts: 'app:'\n    steps: [run: x]\n", ""),
    ])
    func badInputGetsItsMessage(text: String, expected: String) {
        let errors = playbookErrors(text)
        if expected.isEmpty {
            #expect(errors == [])
        } else {
            #expect(errors == [expected])
        }
    }

    @Test func everyErrorOfAFileIsReported() {
        let text = """
            name: Broken everywhere
            change: { type: routine, id: RFC-2026-42, estimate: forever }
            stages:
              - name: One
                hosts: app
                serial: [0, "x%"]
                steps:
                  - run: echo {{ nope
                    retries: many
                  - wait: 10 parsecs
              - name: One
                hosts: db
                hots: db
                steps: []

            """
        #expect(
            playbookErrors(text) == [
                "play.yml:2:30: change id must look like RFC-YYYY-NNNN (RFC-2026-0042), found 'RFC-2026-42'",
                "play.yml:2:53: estimate must be a duration such as 30s, 10m or 1h30m, found 'forever'",
                "play.yml:6:14: serial must be at least 1 host, found 0",
                "play.yml:6:17: serial must be a number of hosts or a percentage such as \"25%\", found the string 'x%'",
                "play.yml:8:19: '{{' is never closed; a template is {{ name }} with a dotted name",
                "play.yml:9:18: retries must be a whole number, found 'many'",
                "play.yml:10:15: wait must be a duration such as 30s, 10m or 1h30m, found '10 parsecs'",
                "play.yml:11:11: the stage name 'One' is already used on line 4; stage names must be unique",
                "play.yml:13:5: unknown key 'hots' in a stage; did you mean 'hosts'?",
                "play.yml:14:12: steps must list at least one step",
            ])
    }

    @Test func emptyAndNonMappingFilesAreRefused() {
        #expect(playbookErrors("# nothing\n") == ["play.yml: the playbook is empty; it needs a name and stages"])
        #expect(playbookErrors("- a\n- b\n") == ["play.yml:1:1: the playbook must be a mapping of keys to values, found a list"])
    }
}
