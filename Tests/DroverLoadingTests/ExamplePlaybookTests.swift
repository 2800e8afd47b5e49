import DroverLoading
import DroverModel
import Foundation
import Testing

/// The playbooks shipped in Playbooks/ must load and validate: the runbook examples against the production
/// inventory, the testbed demo (`demo-*.yml`) against the testbed inventory.
@Suite struct ExamplePlaybookTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let files: [String] = {
        (try? FileManager.default.contentsOfDirectory(atPath: root + "/Playbooks"))?.filter { $0.hasSuffix(".yml") }
            .sorted() ?? []
    }()

    static func production() throws -> Inventory {
        try InventoryLoader(homeDirectory: "/home/deploy").load(
            path: root + "/Inventory/production.ini", defaultUser: "nobody")
    }

    static func testbed() throws -> Inventory {
        try InventoryLoader(homeDirectory: "/root").load(path: root + "/Inventory/testbed.ini", defaultUser: "root")
    }

    @Test func thereAreExamples() {
        #expect(
            Self.files == [
                "app-update.yml", "backup.yml", "db-maintenance.yml", "demo-canary-analysis.yml",
                "demo-rolling-update.yml", "emergency-patch.yml", "security-patches.yml",
            ])
    }

    @Test(arguments: files)
    func everyExampleLoadsAndValidatesAgainstItsInventory(file: String) throws {
        let loaded = try PlaybookLoader().load(path: Self.root + "/Playbooks/" + file)
        #expect(!loaded.playbook.stages.isEmpty)
        let inventory = file.hasPrefix("demo-") ? try Self.testbed() : try Self.production()
        let errors = PlaybookValidator(inventory: inventory).validate(loaded)
        #expect(errors.map(\.description) == [])
    }

    @Test func appUpdateDrainsThroughTheLoadBalancerInACanaryThenQuarterBatches() throws {
        let playbook = try PlaybookLoader().load(path: Self.root + "/Playbooks/app-update.yml").playbook
        let rollout = try #require(playbook.stages.first { $0.hosts == "app" })
        #expect(rollout.serial == [.count(1), .percent(25)])
        #expect(rollout.beforeBatch.first?.delegateTo?.source == "{{ lb_host }}")
        #expect(!rollout.rollback.isEmpty)
        #expect(rollout.steps.contains { if case .check(.http) = $0.action { $0.retries > 0 } else { false } })
    }

    @Test func emergencyPatchIsAnEmergencyOnEveryHost() throws {
        let playbook = try PlaybookLoader().load(path: Self.root + "/Playbooks/emergency-patch.yml").playbook
        #expect(playbook.change.type == .emergency)
        #expect(playbook.stages.map(\.hosts) == ["all"])
    }

    @Test func dbMaintenanceRunsOnceOnThePrimaryAndUndoesReadOnlyOnRollback() throws {
        let playbook = try PlaybookLoader().load(path: Self.root + "/Playbooks/db-maintenance.yml").playbook
        let primary = try #require(playbook.stages.first { $0.hosts == "db_primary" })
        #expect(primary.runOnce)
        let readOnly = try #require(playbook.stages.first { $0.name.source == "Application read-only" })
        #expect(readOnly.rollback.map(\.action.summary) == ["run: /opt/app/bin/maintenance read-only off"])
    }

    /// A playbook that validates against production must fail where staging lacks what it names.
    @Test func validationDependsOnTheInventory() throws {
        let staging = try InventoryLoader(homeDirectory: "/home/deploy").load(
            path: Self.root + "/Inventory/staging.ini", defaultUser: "nobody")
        let loaded = try PlaybookLoader().load(path: Self.root + "/Playbooks/app-update.yml")
        let errors = PlaybookValidator(inventory: staging).validate(loaded).map(\.message)
        #expect(errors.contains { $0.hasPrefix("delegate_to '{{ lb_host }}' renders to 'lb1.prod.example.com'") })
    }
}
