import DroverModel
import Foundation
import Testing

@testable import DroverLoading

/// Semantic checks of a playbook against an inventory and the disk.
@Suite struct PlaybookValidatorTests {
    static let inventoryText = """
        [lb]
        lb1.test
        [app]
        app01.test release=2.4.1
        app02.test
        app03.test release=2.4.1
        app04.test
        [db]
        db1.test
        [app:vars]
        app_port=8080
        [all:vars]
        drover_environment=test
        lb_host=lb1.test

        """

    static let inventory: Inventory = try! loadInventory(inventoryText)

    /// A playbook beside `directory`'s files; validation errors as printed.
    static func errors(_ text: String, directory: String = "/nonexistent", files: Set<String> = []) -> [String] {
        let path = directory + "/play.yml"
        do {
            let loaded = try loadPlaybook(text, path: path)
            let validator = PlaybookValidator(inventory: inventory, isFile: { files.contains($0) })
            return validator.validate(loaded).map(\.description)
        } catch {
            return ["load failed: \(error)"]
        }
    }

    static func stage(hosts: String = "app", _ lines: String) -> String {
        """
        name: Example
        vars:
          artifact: app.tgz
        stages:
          - name: Update
            hosts: \(hosts)
        \(lines)

        """
    }

    @Test(arguments: [
        (stage(hosts: "apps", "    steps: [run: uptime]"),
         "/nonexistent/play.yml:6:12: no host or group matches 'apps'; did you mean 'app'?"),
        (stage(hosts: "app:&db", "    steps: [run: uptime]"),
         "/nonexistent/play.yml:6:12: the host pattern 'app:&db' leaves no hosts"),
        (stage("    min_healthy: 5\n    steps: [run: uptime]"),
         "/nonexistent/play.yml:7:18: min_healthy is 5 but 'app' selects only 4 hosts; no batch could ever start"),
        (stage("    steps:\n      - run: echo {{ relase }}"),
         "/nonexistent/play.yml:8:19: unknown template variable 'relase' in stage 'Update'; did you mean 'release'?"),
        (stage("    steps:\n      - run: echo {{ release }}"),
         "/nonexistent/play.yml:8:19: 'release' is not defined for 2 of 4 hosts of stage 'Update' (app02.test, app04.test)"),
        (stage(hosts: "all", "    steps:\n      - run: curl localhost:{{ app_port }}"),
         "/nonexistent/play.yml:8:29: 'app_port' is not defined for 2 of 6 hosts of stage 'Update' (lb1.test, db1.test)"),
        (stage("    steps:\n      - run: echo {{ inventory_hostname }}"),
         "/nonexistent/play.yml:8:19: unknown template variable 'inventory_hostname' in stage 'Update'; Drover spells it 'host.name'"),
        (stage("    steps:\n      - run: uptime\n        when: maintenance_mode"),
         "/nonexistent/play.yml:9:15: unknown variable 'maintenance_mode' in when; "
            + "expected one of: run.id, host.name, host.address, batch.index, batch.hosts, stage.name, artifact, app_port, drover_environment, lb_host, release"),
        (stage("    steps:\n      - run: uptime\n        when: maintenance_mode is defined or (app_port == 80 and canary)"),
         "/nonexistent/play.yml:9:15: unknown variable 'canary' in when; "
            + "expected one of: run.id, host.name, host.address, batch.index, batch.hosts, stage.name, artifact, app_port, drover_environment, lb_host, release"),
        (stage("    before_batch:\n      - run: drain {{ batch.hosts }}\n        delegate_to: lb1\n    steps: [run: x]"),
         "/nonexistent/play.yml:9:22: delegate_to 'lb1' is not a host of the inventory; did you mean 'lb1.test'?"),
        (stage("    steps:\n      - run: x\n        delegate_to: \"{{ host.name }}-mgmt\""),
         "/nonexistent/play.yml:9:22: delegate_to '{{ host.name }}-mgmt' renders to 'app01.test-mgmt', 'app02.test-mgmt', 'app03.test-mgmt' and 1 more, which are not hosts of the inventory"),
        (stage("    steps: [run: x]\n    rollback:\n      - script: files/undo.sh --force"),
         "/nonexistent/play.yml:9:17: script 'files/undo.sh' is not a file (looked for '/nonexistent/files/undo.sh')"),
        (stage("    steps:\n      - upload: { src: \"dist/{{ artifact }}\", dest: /opt/ }"),
         "/nonexistent/play.yml:8:25: upload source 'dist/app.tgz' is not a file (looked for '/nonexistent/dist/app.tgz')"),
    ])
    func semanticProblemGetsItsMessage(text: String, expected: String) {
        #expect(Self.errors(text) == [expected])
    }

    @Test(arguments: [
        "    steps:\n      - run: echo {{ run.id }} {{ host.name }} {{ host.address }} {{ stage.name }} {{ artifact }}",
        "    before_batch:\n      - run: drain {{ batch.hosts }} {{ batch.index }}\n        delegate_to: \"{{ lb_host }}\"\n    steps: [run: x]",
        "    steps:\n      - run: x\n        delegate_to: lb1.test\n        when: release is defined",
        "    steps:\n      - run: x\n        when: app_port == 8080",
        "    steps:\n      - script: files/{{ host.name }}.sh",
        "    steps:\n      - script: files/ok.sh --now\n    rollback:\n      - upload: { src: files/ok.sh, dest: /tmp/ }",
    ])
    func wellFormedStagePasses(lines: String) {
        #expect(Self.errors(Self.stage(lines), files: ["/nonexistent/files/ok.sh"]) == [])
    }

    @Test func everyProblemIsReportedTogether() {
        let text = Self.stage(
            hosts: "web",
            """
                min_healthy: 9
                steps:
                  - run: echo {{ nope }}
                    delegate_to: ghost
                  - script: missing.sh
              - name: Second
                hosts: db
                min_healthy: 2
                steps:
                  - run: echo {{ app_port }}
            """)
        #expect(
            Self.errors(text) == [
                "/nonexistent/play.yml:6:12: no host or group matches 'web'",
                "/nonexistent/play.yml:9:19: unknown template variable 'nope' in stage 'Update'; "
                    + "expected one of: run.id, host.name, host.address, batch.index, batch.hosts, stage.name, artifact, app_port, drover_environment, lb_host, release",
                "/nonexistent/play.yml:10:22: delegate_to 'ghost' is not a host of the inventory",
                "/nonexistent/play.yml:11:17: script 'missing.sh' is not a file (looked for '/nonexistent/missing.sh')",
                "/nonexistent/play.yml:14:18: min_healthy is 2 but 'db' selects only 1 host; no batch could ever start",
                "/nonexistent/play.yml:16:19: unknown template variable 'app_port' in stage 'Second'; "
                    + "expected one of: run.id, host.name, host.address, batch.index, batch.hosts, stage.name, artifact, drover_environment, lb_host",
            ])
    }

    @Test func filesAreFoundOnDiskRelativeToThePlaybook() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/drover-validator-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory + "/files", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/files/ok.sh", contents: Data("true\n".utf8))
        let text = Self.stage("    steps:\n      - script: files/ok.sh\n      - script: files\n")
        let loaded = try loadPlaybook(text, path: directory + "/play.yml")
        #expect(
            PlaybookValidator(inventory: Self.inventory).validate(loaded).map(\.description) == [
                "\(directory)/play.yml:9:17: script 'files' is not a file (looked for '\(directory)/files')"
            ])
    }
}
