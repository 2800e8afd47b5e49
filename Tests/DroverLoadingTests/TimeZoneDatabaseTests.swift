import Testing

@testable import DroverLoading

@Suite struct TimeZoneDatabaseTests {
    @Test(arguments: ["UTC", "Etc/UTC", "Asia/Kuwait", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT-3"])
    func realZonesAreKnown(name: String) {
        #expect(TimeZoneDatabase.system.contains(name))
    }

    @Test(arguments: [
        "", "../../../etc/passwd", "/etc/localtime", "/usr/share/zoneinfo/UTC", "Asia/../Asia/Kuwait", "Asia//Kuwait",
        "Asia/Kuwait/", "./UTC", "localtime", "posixrules", "posix/Asia/Kuwait", "zone.tab", "tzdata.zi", "Asia",
        "Asia/Kuwiat", "asia/kuwait", "UTC\u{0}", String(repeating: "A", count: 200),
    ])
    func pathTricksAndMissesAreRefused(name: String) {
        #expect(!TimeZoneDatabase.system.contains(name))
    }

    @Test func utcNeedsNoDatabase() {
        let none = TimeZoneDatabase(directory: "/nonexistent/zoneinfo")
        #expect(none.contains("UTC") && none.contains("Etc/UTC"))
        #expect(!none.contains("Asia/Kuwait"))
        #expect(!none.isPresent)
        #expect(none.suggestion(for: "Asia/Kuwiat") == nil)
        let errors = policyErrorsWith(none, "timezone: Asia/Kuwait\nenvironments: {}\n")
        #expect(
            errors == [
                "p.yml:1:11: unknown time zone 'Asia/Kuwait' in the policy; there is no time zone database at /nonexistent/zoneinfo, so only UTC can be used"
            ])
    }

    @Test(arguments: [
        ("Asia/Kuwiat", "Asia/Kuwait"), ("asia/kuwait", "Asia/Kuwait"), ("Europe/Berln", "Europe/Berlin"),
        ("Kuwait", "Asia/Kuwait"),
    ])
    func typosGetTheNearZone(typo: String, expected: String) {
        #expect(TimeZoneDatabase.system.suggestion(for: typo) == expected)
    }

    @Test func listingIsBoundedAndHoldsOnlyZoneNames() {
        let names = TimeZoneDatabase.system.zoneNames()
        #expect(names.count > 300)
        #expect(names.count <= TimeZoneDatabase.maximumNames)
        #expect(names.contains("Asia/Kuwait"))
        #expect(!names.contains { $0.hasPrefix("posix/") || $0.contains(".") || $0 == "localtime" })
    }

    private func policyErrorsWith(_ database: TimeZoneDatabase, _ text: String) -> [String] {
        do {
            _ = try PolicyLoader(timeZones: database).load(text: text, path: "p.yml")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }
}
