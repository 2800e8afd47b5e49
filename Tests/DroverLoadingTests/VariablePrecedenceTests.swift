import DroverLoading
import DroverModel
import Testing

@Suite struct VariablePrecedenceTests {
    let inventory: Inventory

    init() throws {
        inventory = try loadInventory(try Fixtures.text("precedence.ini"), path: "precedence.ini")
    }

    @Test(arguments: [
        ("web1", "tier", InventoryValue.string("host")),
        ("web2", "tier", "web"),
        ("web3", "tier", "web_eu"),
        ("db1", "tier", "app"),
        ("web1", "region", "web"),
        ("web3", "region", "web"),
        ("db1", "region", "global"),
        ("db1", "ntp_server", "ntp.example"),
    ])
    func mergesHostOverChildOverParentOverAll(host: String, key: String, expected: InventoryValue) throws {
        #expect(inventory.host(named: host)?.vars[key] == expected)
    }

    @Test func listsEveryGroupInMergeOrder() {
        #expect(inventory.host(named: "web3")?.groups == ["all", "app", "eu", "web", "web_eu"])
        #expect(inventory.host(named: "db1")?.groups == ["all", "app", "db"])
    }

    @Test func mergesGroupsAtTheSameDepthInNameOrder() throws {
        let inventory = try loadInventory(
            """
            [b]
            h1
            [a]
            h1
            [a:vars]
            x=from_a
            [b:vars]
            x=from_b
            """)
        #expect(inventory.host(named: "h1")?.vars["x"] == "from_b")
        #expect(inventory.host(named: "h1")?.groups == ["all", "a", "b"])
    }

    @Test func letsAnsibleGroupPriorityReorderSiblings() throws {
        let inventory = try loadInventory(
            """
            [a]
            h1
            [b]
            h1
            [a:vars]
            x=from_a
            ansible_group_priority=10
            [b:vars]
            x=from_b
            """)
        #expect(inventory.host(named: "h1")?.vars["x"] == "from_a")
        #expect(inventory.host(named: "h1")?.groups == ["all", "b", "a"])
    }

    @Test func letsALaterHostLineOverrideAnEarlierOne() throws {
        let inventory = try loadInventory(
            """
            [a]
            h1 x=1 y=1
            [b]
            h1 x=2
            """)
        #expect(inventory.host(named: "h1")?.vars["x"] == 2)
        #expect(inventory.host(named: "h1")?.vars["y"] == 1)
    }
}
