import DroverLoading
import DroverModel
import Foundation
import Testing

/// The example inventories shipped in Inventory/ must load, resolve the way their comments say, and mean the same
/// fleet in INI and in YAML.
@Suite struct ExampleInventoryTests {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Inventory"
    }()

    /// Every file in Inventory/.
    static let all: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".ini") || $0.hasSuffix(".yml") }.sorted()
    }()

    /// The example fleets (the testbed inventory and the policy are checked on their own).
    static let files = all.filter { $0.hasPrefix("production.") || $0.hasPrefix("staging.") }

    @Test func thereAreExamples() {
        #expect(Self.files == ["production.ini", "production.yml", "staging.ini", "staging.yml"])
        #expect(Self.all.filter { !Self.files.contains($0) && $0 != "policy.yml" } == ["testbed.ini"])
    }

    @Test func testbedInventoryNamesTheTestbedHostsByRole() throws {
        let inventory = try InventoryLoader(homeDirectory: "/root").load(
            path: Self.directory + "/testbed.ini", defaultUser: "nobody")
        #expect(inventory.environment == "testbed")
        let names: [String] = (1...20).map { String(format: "host%03d", $0) }
        let addresses: [String] = (1...20).map { "127.0.1.\($0)" }
        #expect(inventory.hosts.map(\.name) == names)
        #expect(inventory.hosts.map(\.connection.address) == addresses)
        #expect(inventory.hosts(inGroup: "app").count == 16)
        #expect(inventory.hosts(inGroup: "db").map(\.name) == ["host002", "host003"])
        #expect(inventory.hosts.allSatisfy { $0.connection.knownHostsFiles == ["/tmp/drover-testbed/known_hosts"] })
    }

    @Test(arguments: files)
    func everyExampleLoads(file: String) throws {
        let inventory = try InventoryLoader(homeDirectory: "/home/deploy")
            .load(path: Self.directory + "/" + file, defaultUser: "nobody")
        #expect(inventory.environment == String(file.dropLast(4)))
        #expect(!inventory.hosts.isEmpty)
        for host in inventory.hosts {
            #expect(host.connection.identityFiles == ["/home/deploy/.ssh/id_ed25519"])
        }
    }

    @Test(arguments: ["production.ini", "production.yml"])
    func productionReachesEveryHostThroughTheBastionWithPerGroupUsers(file: String) throws {
        let inventory = try InventoryLoader(homeDirectory: "/home/deploy")
            .load(path: Self.directory + "/" + file, defaultUser: "nobody")
        #expect(inventory.hosts.count == 2 + 12 + 3 + 3)
        #expect(try inventory.hosts(matching: "app:&eu:!app12*").count == 11)
        let db = try #require(inventory.host(named: "db2.prod.example.com"))
        #expect(db.connection.user == "postgres")
        #expect(
            db.connection.proxyJump == [ConnectionSettings.Jump(address: "bastion.prod.example.com", user: "deploy")])
        #expect(db.groups.contains("db_replica") && db.groups.contains("db"))
        #expect(try inventory.hosts(matching: "app01*").first?.connection.user == "deploy")
    }

    @Test(arguments: ["production", "staging"])
    func yamlAndINIDescribeTheSameFleet(environment: String) throws {
        let loader = InventoryLoader(homeDirectory: "/home/deploy")
        let ini = try loader.load(path: Self.directory + "/\(environment).ini", defaultUser: "nobody")
        let yaml = try loader.load(path: Self.directory + "/\(environment).yml", defaultUser: "nobody")
        #expect(yaml.hosts.map(\.name) == ini.hosts.map(\.name))
        #expect(yaml.groupNames == ini.groupNames)
        for (yamlHost, iniHost) in zip(yaml.hosts, ini.hosts) {
            #expect(yamlHost.connection == iniHost.connection, "\(yamlHost.name)")
            #expect(yamlHost.groups == iniHost.groups, "\(yamlHost.name)")
            #expect(yamlHost.vars == iniHost.vars, "\(yamlHost.name)")
        }
        #expect(yaml == ini)
    }

    @Test(arguments: files)
    func groupVarsBesideTheExamplesReachTheirHosts(file: String) throws {
        let inventory = try InventoryLoader(homeDirectory: "/home/deploy")
            .load(path: Self.directory + "/" + file, defaultUser: "nobody")
        let app = inventory.hosts(inGroup: "app")
        #expect(!app.isEmpty)
        for host in app { #expect(host.vars["app_port"] == .int(8080)) }
        let db = inventory.hosts(inGroup: "db")
        #expect(!db.isEmpty && db.allSatisfy { $0.vars["app_port"] == nil })
    }
}
