import DroverLoading
import DroverModel
import Foundation
import Testing

/// The example inventories shipped in Inventory/ must load, and resolve the way their comments say.
@Suite struct ExampleInventoryTests {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Inventory"
    }()

    static let files: [String] = {
        (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".ini") }.sorted() ?? []
    }()

    @Test func thereAreExamples() {
        #expect(Self.files == ["production.ini", "staging.ini"])
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

    @Test func productionReachesEveryHostThroughTheBastionWithPerGroupUsers() throws {
        let inventory = try InventoryLoader(homeDirectory: "/home/deploy")
            .load(path: Self.directory + "/production.ini", defaultUser: "nobody")
        #expect(inventory.hosts.count == 2 + 12 + 3 + 3)
        #expect(try inventory.hosts(matching: "app:&eu:!app12*").count == 11)
        let db = try #require(inventory.host(named: "db2.prod.example.com"))
        #expect(db.connection.user == "postgres")
        #expect(db.connection.proxyJump == [ConnectionSettings.Jump(address: "bastion.prod.example.com", user: "deploy")])
        #expect(db.groups.contains("db_replica") && db.groups.contains("db"))
        #expect(try inventory.hosts(matching: "app01*").first?.connection.user == "deploy")
    }
}
