import DroverModel
import Testing

@testable import DroverLoading

/// Ansible's YAML inventory structure, read into the same `Inventory` as INI.
@Suite struct YAMLInventoryTests {
    let inventory: Inventory

    init() throws {
        inventory = try loadInventory(try Fixtures.text("structure.yml"), path: "structure.yml")
    }

    @Test func readsHostsInOrderOfFirstMentionWithRangesExpanded() {
        #expect(
            inventory.hosts.map(\.name) == [
                "lonely.example", "explicit.example", "web1.example", "web2.example", "web3.example",
                "2001:db8::1", "db-a.example", "db-b.example", "web4.example",
            ])
    }

    @Test func listsGroupsInOrderOfFirstMention() {
        #expect(
            inventory.groupNames == ["all", "ungrouped", "prod", "web", "db", "eu", "edge", "cache", "web_canary"])
        #expect(inventory.groups["all"]?.children == ["ungrouped", "prod", "eu", "cache"])
        #expect(inventory.groups["edge"]?.hosts == [])
        #expect(inventory.groups["cache"]?.hosts == [])
    }

    @Test func mergesAGroupWrittenInSeveralPlaces() {
        #expect(
            inventory.groups["web"]?.hosts == [
                "web1.example", "web2.example", "web3.example", "2001:db8::1", "web4.example",
            ])
        #expect(inventory.groups["web"]?.children == ["web_canary"])
        #expect(inventory.groups["web"]?.vars == ["http_port": .int(80), "region": .string("eu")])
        #expect(inventory.groups["eu"]?.children == ["web", "edge"])
        #expect(inventory.host(named: "web4.example")?.groups == ["all", "eu", "prod", "web"])
    }

    @Test func putsHostsUnderOnlyAllOrUngroupedInUngrouped() {
        #expect(inventory.groups["ungrouped"]?.hosts == ["lonely.example", "explicit.example"])
        #expect(inventory.host(named: "lonely.example")?.groups == ["all", "ungrouped"])
        #expect(inventory.environment == "test")
    }

    @Test func takesPortsFromHostEntriesAndVariablesAsYAMLValues() throws {
        let db = try #require(inventory.host(named: "db-b.example"))
        #expect(db.connection.port == 2200)
        #expect(db.vars["role"] == "replica")
        #expect(inventory.host(named: "2001:db8::1")?.connection.port == 2222)
        let canary = try #require(inventory.host(named: "web2.example"))
        #expect(canary.vars["canary"] == .bool(true))
        #expect(canary.groups == ["all", "eu", "prod", "web", "web_canary"])
    }

    @Test func readsJSONWithTabsAsAnsibleDoes() throws {
        let json = "{\n\t\"all\": {\n\t\t\"hosts\": {\"web1\": {\"ansible_port\": 2222}, \"web2\": null}\n\t}\n}\n"
        let inventory = try loadInventory(json, path: "hosts.json")
        #expect(inventory.hosts.map(\.name) == ["web1", "web2"])
        #expect(inventory.host(named: "web1")?.connection.port == 2222)
    }

    @Test(arguments: [
        ("hosts", "all:\n  hosts:\n    web1:\n", ["web1"]),
        ("hosts", "---\nweb:\n  hosts: {web1: }\n", ["web1"]),
        ("hosts", "# fleet\n[web]\nweb1\n", ["web1"]),
        ("hosts", "web1 ansible_port=22\n", ["web1"]),
        ("inventory.yaml", "all:\n  hosts:\n    web1:\n", ["web1"]),
        ("inventory.ini", "[web]\nweb1\n", ["web1"]),
    ])
    func choosesTheFormatByExtensionElseByContent(path: String, text: String, hosts: [String]) throws {
        #expect(try loadInventory(text, path: path).hosts.map(\.name) == hosts)
    }

    @Test(arguments: [
        (
            "all:\n  host:\n    web1:\n",
            "inventory.yml:2:3: unknown key 'host' in group 'all'; did you mean 'hosts'?"
        ),
        (
            "all:\n  children:\n    web:\n      hosts:\n        web1:\n      varz: {}\n",
            "inventory.yml:6:7: unknown key 'varz' in group 'web'; did you mean 'vars'?"
        ),
        (
            "all:\n  web1:\n",
            "inventory.yml:2:3: unknown key 'web1' in group 'all'; expected one of: hosts, vars, children"
        ),
        (
            "all:\n  hosts:\n    - web1\n    - web2\n",
            "inventory.yml:3:5: hosts of group 'all' must be a mapping, found a list: write each host as 'web1:' "
                + "on its own line (a name followed by ':'), not '- web1'"
        ),
        (
            "all:\n  children:\n    - db\n",
            "inventory.yml:3:5: children of group 'all' must be a mapping, found a list: write each group as 'db:' "
                + "on its own line (a name followed by ':'), not '- db'"
        ),
        (
            "all:\n  vars:\n    - ansible_user: deploy\n",
            "inventory.yml:3:5: vars of group 'all' must be a mapping of names to values, found a list"
        ),
        (
            "web: hosts\n",
            "inventory.yml:1:6: group 'web' must be a mapping with hosts, vars or children, found 'hosts'"
        ),
        (
            "all:\n  hosts:\n    web1: ansible_host=10.0.0.1\n",
            "inventory.yml:3:11: host 'web1' must be followed by a mapping of its variables or by nothing, "
                + "found 'ansible_host=10.0.0.1'"
        ),
        (
            "all:\n  hosts:\n    10.5:\n",
            "inventory.yml:3:5: the host name 10.5 means a number in YAML, not a name; quote it ('10.5')"
        ),
        (
            "all:\n  children:\n    yes:\n",
            "inventory.yml:3:5: the group name yes means true or false in YAML, not a name; quote it ('yes')"
        ),
        (
            "all:\n  hosts:\n    app[05:01].example:\n",
            "inventory.yml:3:8: invalid host range '[05:01]': the start is after the end"
        ),
        (
            "all:\n  hosts:\n    'web1:http':\n",
            "inventory.yml:3:11: invalid port 'http' in 'web1:http': expected a number from 1 to 65535"
        ),
        (
            "all:\n  vars:\n    bad-name: 1\n",
            "inventory.yml:3:5: invalid variable name 'bad-name': use letters, digits and '_', "
                + "not starting with a digit"
        ),
        (
            "all:\n  children:\n    web servers:\n",
            "inventory.yml:3:5: invalid group name 'web servers': a group name cannot contain whitespace, ':' or ']'"
        ),
        (
            "a:\n  children:\n    b:\n      children:\n        a:\n",
            "inventory.yml:5:9: groups form a cycle through children: a -> b -> a"
        ),
        (
            "all:\n  vars:\n    ansible_password: hunter2\n",
            "inventory.yml:3:23: ansible_password holds a literal password, and Drover keeps no secrets in "
                + "inventories: set drover_password_env=VAR (an environment variable) or drover_password_file=PATH "
                + "(a file) instead"
        ),
        (
            "- web1\n- web2\n",
            "inventory.yml:1:1: a YAML inventory must be a mapping of group names (usually 'all:') to groups, "
                + "found a list"
        ),
        (
            "plugin: amazon.aws.aws_ec2\n",
            "inventory.yml:1:1: this configures an inventory plugin ('plugin:'), which Drover does not run; "
                + "give a static YAML or INI inventory instead"
        ),
        ("# nothing yet\n", "inventory.yml: the YAML inventory is empty (Ansible refuses it too)"),
        (
            "all:\n  hosts:\n    web1:\n    web1:\n",
            "inventory.yml:3:5: the key 'web1' appears more than once in this mapping"
        ),
    ])
    func printsFileLineColumnAndOneSentence(text: String, expected: String) {
        #expect(loadErrors(text, path: "inventory.yml") == [expected])
    }

    @Test func reportsEveryStructuralErrorAtOnce() {
        let text = "all:\n  hosts:\n    - web1\n  children:\n    db:\n      host: {db1: }\n    cache: 3\n"
        #expect(
            loadErrors(text, path: "inventory.yml") == [
                "inventory.yml:3:5: hosts of group 'all' must be a mapping, found a list: write each host as 'web1:' "
                    + "on its own line (a name followed by ':'), not '- web1'",
                "inventory.yml:6:7: unknown key 'host' in group 'db'; did you mean 'hosts'?",
                "inventory.yml:7:12: group 'cache' must be a mapping with hosts, vars or children, found '3'",
            ])
    }
}
