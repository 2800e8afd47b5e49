import DroverLoading
import DroverModel
import Testing

/// The example policy shipped in Inventory/ must load and say what its comments say.
@Suite struct ExamplePolicyTests {
    static let path: String = {
        let file = #filePath
        var parts = file.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/Inventory/policy.yml"
    }()

    @Test func runbookPolicyLoads() throws {
        let policy = try PolicyLoader().load(path: Self.path)
        #expect(policy.environments.keys.sorted() == ["production", "staging"])

        let production = try #require(policy.environments["production"])
        #expect(production.windows?.map(\.name) == ["Primary", "Secondary", "Monthly patching"])
        #expect(production.windows?.last?.recurrence == .monthly(NthWeekday(.fourth, .sunday)))
        #expect(
            production.blackouts.map(\.name) == [
                "Morning order rush", "Evening order rush", "Weekend planning", "Month-end close", "Year-end freeze",
                "Eid al-Fitr 2026",
            ])
        #expect(production.blackouts[4].kind == .yearly(from: MonthDay(month: 12, day: 28)!, to: MonthDay(month: 1, day: 5)!))
        #expect(production.rules(for: .emergency).overridesBlackouts)
        #expect(production.onOverrun == .haltAndRollback)

        let staging = try #require(policy.environments["staging"])
        #expect(staging.windows?.map(\.name) == ["Nightly", "Extended", "Late"])
        #expect(staging.windows?.first?.recurrence == .daily)
        #expect(staging.onOverrun == .halt)
        #expect(staging.notify?.targets.count == 1)

        let notify = try #require(policy.notify)
        #expect(notify.progressEvery == .seconds(1800))
        #expect(notify.advance == [.seconds(72 * 3600), .seconds(24 * 3600), .seconds(3600)])
        #expect(
            notify.targets.first?.delivery
                == .webhook(url: "http://127.0.0.1:9/hook", headers: ["Authorization": "DROVER_HOOK_TOKEN"]))
        #expect(notify.targets.first?.events == Set(NotifyEvent.allCases))
        #expect(notify.targets.last?.delivery == .command("/usr/local/bin/page-oncall"))
        #expect(policy.notify(for: "production") == notify)
    }
}
