import DroverModel
import Testing

@testable import DroverLoading

/// `group_vars/` and `host_vars/` beside an inventory: which files are read, and how they layer over the file.
@Suite struct VarsDirectoryTests {
    static let formats = ["layers/hosts.yml", "layers/hosts.ini"]

    static func load(_ fixture: String) throws -> Inventory {
        try InventoryLoader(homeDirectory: "/home/u").load(path: Fixtures.path(fixture), defaultUser: "u")
    }

    @Test(arguments: formats)
    func layersVariablesAsAnsibleDoes(fixture: String) throws {
        let inventory = try Self.load(fixture)
        let web1 = try #require(inventory.host(named: "web1"))
        // group_vars/all.yml beats the inventory file's `web` variables: all inventory-file group vars come first.
        #expect(web1.vars["a"] == "all-file")
        // Files of a directory in sorted order, later ones winning.
        #expect(web1.vars["b"] == "web-file-20")
        // host_vars/ beats the inventory's host variables, which beat every group_vars/ file.
        #expect(web1.vars["c"] == "host-file")
        #expect(inventory.host(named: "web2")?.vars["c"] == "web-file")
        // Child group files beat parent group files.
        #expect(web1.vars["d"] == "web-file")
        #expect(inventory.host(named: "db1")?.vars["d"] == "app-file")
    }

    @Test(arguments: formats)
    func readsOnlyTheFirstOfNameYmlYamlJson(fixture: String) throws {
        let db1 = try #require(try Self.load(fixture).host(named: "db1"))
        #expect(db1.vars["h"] == "db-bare")
        #expect(db1.vars["e"] == nil)
    }

    @Test(arguments: formats)
    func readsAHostVarsDirectoryInSortedOrder(fixture: String) throws {
        let web2 = try #require(try Self.load(fixture).host(named: "web2"))
        #expect(web2.vars["f"] == "two")
        #expect(web2.vars["g"] == "one")
    }

    @Test func ignoresFilesForUnknownNamesHiddenFilesAndOtherExtensions() throws {
        let inventory = try Self.load("layers/hosts.yml")
        #expect(inventory.hosts.allSatisfy { $0.vars["e"] == nil && $0.vars["not"] == nil })
    }

    @Test func groupsShowTheirOwnFileVariablesOverTheirInventoryOnes() throws {
        let inventory = try Self.load("layers/hosts.yml")
        #expect(
            inventory.groups["web"]?.vars == [
                "a": "web-inventory", "b": "web-file-20", "c": "web-file", "d": "web-file",
            ])
        #expect(inventory.groups["all"]?.vars == ["a": "all-file"])
    }

    @Test func bothFormatsGiveTheSameInventory() throws {
        #expect(try Self.load("layers/hosts.yml") == Self.load("layers/hosts.ini"))
    }

    @Test func inMemoryLoadsReadNoVarsDirectories() throws {
        let text = try Fixtures.text("layers/hosts.yml")
        let inventory = try InventoryLoader(homeDirectory: nil).load(
            text: text, path: Fixtures.path("layers/hosts.yml"), defaultUser: "u")
        #expect(inventory.host(named: "web1")?.vars["a"] == "web-inventory")
    }

    @Test func reportsEveryBadVarsFileAtItsPlace() {
        do {
            _ = try Self.load("badvars/hosts.yml")
            Issue.record("expected errors")
        } catch let errors as LoadErrors {
            let prefix = Fixtures.directory + "/"
            #expect(
                errors.errors.map { String($0.description.dropFirst(prefix.count)) } == [
                    "badvars/group_vars/all.yml:3:19: ansible_password holds a literal password, and Drover keeps no "
                        + "secrets in inventories: set drover_password_env=VAR (an environment variable) or "
                        + "drover_password_file=PATH (a file) instead",
                    "badvars/group_vars/wbe.yml:1:1: the key 'x' appears more than once in this mapping",
                    "badvars/group_vars/web.yml:1:1: a vars file must be a mapping of variable names to values, "
                        + "found a list",
                    "badvars/host_vars/web1.json:1:1: invalid variable name '1bad': use letters, digits and '_', "
                        + "not starting with a digit",
                    "badvars/host_vars/web1.yml:2:1: invalid YAML: did not find expected ',' or ']' "
                        + "(while parsing a flow sequence at line 1)",
                ])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
