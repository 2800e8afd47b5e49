import DroverLoading
import DroverModel
import Testing

@Suite struct InventoryStructureTests {
    @Test func keepsHostsInOrderOfFirstAppearanceAcrossGroups() throws {
        let inventory = try loadInventory(
            """
            lonely
            [web]
            web2
            web1
            [db]
            db1
            web1
            """)
        #expect(inventory.hosts.map(\.name) == ["lonely", "web2", "web1", "db1"])
        #expect(inventory.host(named: "web1")?.groups == ["all", "db", "web"])
        #expect(inventory.groups["db"]?.hosts == ["web1", "db1"])  // inventory order, not line order
    }

    @Test func putsHostsWithoutAGroupInUngrouped() throws {
        let inventory = try loadInventory(
            """
            before.example
            [all]
            listed-under-all
            [ungrouped]
            explicit
            also-web
            [web]
            also-web
            """)
        #expect(inventory.groups["ungrouped"]?.hosts == ["before.example", "listed-under-all", "explicit"])
        #expect(inventory.host(named: "before.example")?.groups == ["all", "ungrouped"])
        #expect(inventory.host(named: "also-web")?.groups == ["all", "web"])
        #expect(inventory.groups["all"]?.children == ["ungrouped", "web"])
    }

    @Test func resolvesChildrenDeclaredBeforeTheirGroups() throws {
        let inventory = try loadInventory(
            """
            [prod:children]
            app
            db
            [app:children]
            app_eu
            [app]
            app1
            [app_eu]
            app2
            [db]
            db1
            """)
        #expect(inventory.groups["prod"]?.children == ["app", "db"])
        #expect(inventory.groups["all"]?.children == ["ungrouped", "prod"])
        #expect(inventory.host(named: "app2")?.groups == ["all", "prod", "app", "app_eu"])
        #expect(inventory.hosts(inGroup: "prod").map(\.name) == ["app1", "app2", "db1"])
        #expect(inventory.groupNames == ["all", "ungrouped", "prod", "app", "db", "app_eu"])
    }

    @Test func takesAPortFromTheHostEntry() throws {
        let inventory = try loadInventory(
            """
            web1:2222
            10.0.0.5:2200 ansible_port=2201
            ::1
            [2001:db8::1]:2022
            app[1:2]:2300
            """)
        #expect(inventory.hosts.map(\.name) == ["web1", "10.0.0.5", "::1", "2001:db8::1", "app1", "app2"])
        #expect(inventory.hosts.map(\.connection.port) == [2222, 2201, 22, 2022, 2300, 2300])
        #expect(inventory.host(named: "web1")?.vars["ansible_port"] == 2222)
    }

    @Test func readsHostLineValuesAsPythonLiteralsAndGroupValuesAsStrings() throws {
        let inventory = try loadInventory(
            """
            [web]
            web1 port=8080 flag=True label='007' motd="hello world" items="[1, 'two']" plain=yes
            [web:vars]
            port=8080
            flag=True # a comment
            quoted="kept, unquoted"
            """)
        let host = try #require(inventory.host(named: "web1"))
        #expect(host.vars["port"] == 8080)
        #expect(host.vars["flag"] == true)
        #expect(host.vars["label"] == "007")
        #expect(host.vars["motd"] == "hello world")
        #expect(host.vars["items"] == [1, "two"])
        #expect(host.vars["plain"] == "yes")
        let group = try #require(inventory.groups["web"])
        #expect(group.vars == ["port": "8080", "flag": "True", "quoted": "kept, unquoted"])
    }

    @Test func skipsCommentsBlankLinesAndAByteOrderMark() throws {
        let text = "\u{FEFF}# comment\n; another\n\n   \n[web]   # trailing\r\nweb1 # why\r\n  ;indented comment\n"
        let inventory = try loadInventory(text)
        #expect(inventory.hosts.map(\.name) == ["web1"])
    }

    @Test func acceptsColonVarsAsAllVars() throws {
        let inventory = try loadInventory("h1\n[:vars]\ndrover_environment=staging\n[all:vars]\nx=1\n")
        #expect(inventory.environment == "staging")
        #expect(inventory.groups["all"]?.vars == ["drover_environment": "staging", "x": "1"])
    }

    @Test func loadsAnEmptyInventory() throws {
        let inventory = try loadInventory("# nothing here\n")
        #expect(inventory.hosts.isEmpty)
        #expect(Set(inventory.groups.keys) == ["all", "ungrouped"])
        #expect(inventory.environment == nil)
    }

    @Test func readsAFileFromDiskAndNamesItInErrors() throws {
        let inventory = try InventoryLoader(homeDirectory: "/home/deploy")
            .load(path: Fixtures.path("production.ini"), defaultUser: "me")
        #expect(inventory.hosts.count == 8)
        #expect(inventory.environment == "production")

        let missing = Fixtures.path("no-such.ini")
        #expect(
            throws: LoadErrors([
                LoadError(.unreadable, "cannot read the file: No such file or directory", file: missing)
            ])
        ) {
            try InventoryLoader().load(path: missing, defaultUser: "me")
        }
        #expect(throws: LoadErrors.self) { try InventoryLoader().load(path: Fixtures.directory, defaultUser: "me") }
    }

    @Test(arguments: [("USER", "alice", "alice"), ("USER", "", "root"), ("HOME", "/x", "root")])
    func defaultsTheUserToUSERElseRoot(key: String, value: String, expected: String) {
        #expect(InventoryLoader.currentUser(environment: [key: value]) == expected)
    }
}
