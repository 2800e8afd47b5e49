import DroverLoading
import DroverModel
import Testing

@Suite struct HostPatternTests {
    static let inventory: Inventory = {
        try! loadInventory(
            """
            lb1
            [app]
            app1.eu
            app2.eu
            app3.us
            [db]
            db01
            db02
            db03
            [eu]
            app1.eu
            app2.eu
            db01
            [empty:children]
            [edge]
            web-1
            web-2
            web-10
            """)
    }()

    @Test(arguments: [
        ("all", ["lb1", "app1.eu", "app2.eu", "app3.us", "db01", "db02", "db03", "web-1", "web-2", "web-10"]),
        ("*", ["lb1", "app1.eu", "app2.eu", "app3.us", "db01", "db02", "db03", "web-1", "web-2", "web-10"]),
        ("db02", ["db02"]),
        ("db", ["db01", "db02", "db03"]),
        ("ungrouped", ["lb1"]),
        ("db:lb1", ["lb1", "db01", "db02", "db03"]),
        ("lb1,db", ["lb1", "db01", "db02", "db03"]),
        ("app:&eu", ["app1.eu", "app2.eu"]),
        ("app,&eu", ["app1.eu", "app2.eu"]),
        ("app:!app3.us", ["app1.eu", "app2.eu"]),
        ("app:db:&eu:!db01", ["app1.eu", "app2.eu"]),
        ("!db:&eu", ["app1.eu", "app2.eu"]),
        ("&eu", ["app1.eu", "app2.eu", "db01"]),
        ("!app:!db:!edge", ["lb1"]),
        ("app*", ["app1.eu", "app2.eu", "app3.us"]),
        ("*.eu", ["app1.eu", "app2.eu"]),
        ("db0[1-2]", ["db01", "db02"]),
        ("db0[!1]", ["db02", "db03"]),
        ("app?.us", ["app3.us"]),
        ("~db0[23]", ["db02", "db03"]),
        ("~(app|lb)\\d", ["lb1", "app1.eu", "app2.eu", "app3.us"]),
        ("~web-1", ["web-1", "web-10"]),
        ("db[0]", ["db01"]),
        ("db[-1]", ["db03"]),
        ("db[1:]", ["db02", "db03"]),
        ("db[0:1]:app[2]", ["app3.us", "db01", "db02"]),
        (" app : &eu ", ["app1.eu", "app2.eu"]),
    ])
    func selectsHostsInInventoryOrder(pattern: String, expected: [String]) throws {
        #expect(try Self.inventory.hosts(matching: pattern).map(\.name) == expected)
    }

    @Test(arguments: [
        ("dbb", HostPatternError.Code.noMatch, Optional("no host or group matches 'dbb'")),
        ("app:!ap3", .noMatch, "no host or group matches 'ap3'"),
        ("app:&nowhere", .noMatch, "no host or group matches 'nowhere'"),
        ("empty", .noMatch, "'empty' matches no hosts (group 'empty' is empty)"),
        ("x*", .noMatch, "no host or group matches 'x*'"),
        ("app:&db", .emptyResult, "the host pattern 'app:&db' leaves no hosts"),
        ("~(", .invalidRegex, nil),
        ("db[7]", .subscriptOutOfRange, "'db[7]' is out of range: 'db' matches 3 hosts"),
        ("", .empty, "the host pattern is empty"),
        ("app:!", .empty, "'!' has nothing after '!'"),
        (
            "@hosts.txt", .fileNotAllowed,
            "'@hosts.txt' names a pattern file, which can only be read when loading a --limit"
        ),
    ])
    func refusesPatternsThatSelectNothing(pattern: String, code: HostPatternError.Code, message: String?) {
        do {
            let hosts = try Self.inventory.hosts(matching: pattern)
            Issue.record("expected an error, got \(hosts.map(\.name))")
        } catch let error as HostPatternError {
            #expect(error.code == code)
            if let message { #expect(error.message == message) }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        ("a:b", ["a", "b"]), ("a,b:c", ["a", "b:c"]), ("web[1:3]:db", ["web[1:3]", "db"]), ("::1", ["::1"]),
        ("fe80::1:db", ["fe80::1:db"]), ("a:&b:!c", ["a", "&b", "!c"]), ("a b", ["a", "b"]), ("a,,b,", ["a", "b"]),
    ])
    func splitsPatternsAsAnsibleDoes(text: String, expected: [String]) {
        #expect(HostPattern.split(text) == expected)
    }

    @Test func readsAtFilesOnePatternPerLine() throws {
        let path = Fixtures.path("limit.txt")
        let pattern = try HostPatternLoader.load("@\(path):lb1")
        #expect(pattern.terms.map(\.description) == ["db01", "app*", "!app3.us", "lb1"])
        #expect(try Self.inventory.hosts(matching: pattern).map(\.name) == ["lb1", "app1.eu", "app2.eu", "db01"])
        #expect(throws: LoadErrors.self) { try HostPatternLoader.load("@/no/such/file") }
    }
}
