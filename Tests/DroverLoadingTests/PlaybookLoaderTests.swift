import DroverModel
import Testing

@testable import DroverLoading

/// Loads playbook text; `path` names it in messages.
func loadPlaybook(_ text: String, path: String = "play.yml") throws -> LoadedPlaybook {
    try PlaybookLoader().load(text: text, path: path)
}

/// The errors loading `text` reports, as printed; empty when it loads.
func playbookErrors(_ text: String, path: String = "play.yml") -> [String] {
    do {
        _ = try loadPlaybook(text, path: path)
        return []
    } catch let errors as LoadErrors {
        return errors.errors.map(\.description)
    } catch {
        return ["unexpected error: \(error)"]
    }
}

/// The SPEC section 3 example, golden: every value it states reaches the model.
@Suite struct PlaybookLoaderTests {
    static func specExample() throws -> LoadedPlaybook {
        try PlaybookLoader().load(path: Fixtures.path("spec-example.yml"))
    }

    @Test func specExampleParsesIntoTheModel() throws {
        let loaded = try Self.specExample()
        let playbook = loaded.playbook
        #expect(playbook.name == "Weekly application update")
        #expect(
            playbook.change
                == ChangeInfo(type: .routine, id: "RFC-2026-0042", approvedBy: "Engineering Manager", estimate: .seconds(45 * 60)))
        #expect(playbook.vars == ["release": .string("2.4.1")])
        #expect(playbook.stages.map(\.name.source) == ["Pre-maintenance checks", "Database backup", "Roll out {{ release }}"])
        #expect(playbook.stages.map(\.hosts) == ["all", "db", "app"])
        #expect(playbook.path == Fixtures.path("spec-example.yml"))
        #expect(!loaded.hasNotify)
    }

    @Test func specExampleStagesKeepTheirChecksAndOptions() throws {
        let stages = try Self.specExample().playbook.stages
        #expect(stages[0].steps.map(\.action) == [.check(.diskFree(path: Template(literal: "/"), minPercent: 20, minBytes: nil))])
        #expect(stages[0].serial == [])
        #expect(stages[1].runOnce)
        #expect(stages[1].steps[0].action == .run(Template("pg_dump app > /var/backups/app-{{ run.id }}.sql")!))
        #expect(stages[1].steps[0].timeout == .seconds(30 * 60))
        #expect(stages[1].steps[1].timeout == Step.defaultTimeout)
        #expect(stages[1].steps[1].action == .check(.command(Template("test -s /var/backups/app-{{ run.id }}.sql")!)))
    }

    @Test func specExampleRolloutStageHasBatchingScalingAndRollback() throws {
        let rollout = try Self.specExample().playbook.stages[2]
        #expect(rollout.serial == [.count(1), .percent(25)])
        #expect(rollout.maxFailPercentage == 0)
        #expect(rollout.maxFailures == 2)
        #expect(rollout.minHealthy == 3)
        #expect(rollout.pauseBetweenBatches == .seconds(30))
        #expect(rollout.onHostFailure == .rollback)
        #expect(rollout.beforeBatch.map(\.action) == [.run(Template("lbctl drain {{ batch.hosts }}")!)])
        #expect(rollout.beforeBatch[0].delegateTo == Template(literal: "lb1"))
        #expect(rollout.afterBatch.map(\.action) == [.run(Template("lbctl enable {{ batch.hosts }}")!)])
        #expect(rollout.afterBatch[0].delegateTo == Template(literal: "lb1"))
        #expect(
            rollout.steps[0].action
                == .upload(
                    source: Template("artifacts/app-{{ release }}.tar.gz")!,
                    destination: Template(literal: "/opt/app/releases/"), mode: nil))
        #expect(rollout.steps[1].action == .run(Template("/opt/app/bin/switch {{ release }}")!))
        #expect(rollout.steps[1].become)
        #expect(rollout.steps[2].action == .check(.http(url: Template(literal: "http://127.0.0.1:8080/health"), status: 200, body: nil)))
        #expect(rollout.steps[2].retries == 10)
        #expect(rollout.steps[2].delay == .seconds(3))
        #expect(rollout.rollback.map(\.action) == [.run(Template(literal: "/opt/app/bin/switch previous"))])
        #expect(rollout.rollback[0].name == "run: /opt/app/bin/switch previous")
    }

    @Test func specExampleSourceMapPointsAtTheLines() throws {
        let loaded = try Self.specExample()
        let rollout = loaded.sourceMap.stages[2]
        #expect(rollout.name.location.line == 21)
        #expect(rollout.name.location(of: "release").column == 20)
        #expect(rollout.hosts.line == 22)
        #expect(rollout.minHealthy?.line == 26)
        #expect(rollout.beforeBatch[0].delegateTo?.line == 30)
        // `{{` inside a flow mapping is located exactly, byte column.
        #expect(rollout.steps[0].templates[0].location(of: "release").description.hasSuffix("spec-example.yml:32:38"))
        #expect(rollout.rollback[0].step.description.hasSuffix("spec-example.yml:42:9"))
    }
}
