import DroverLoading
import DroverModel
import Testing

@Suite struct ConnectionSettingsTests {
    @Test func parsesTheTestbedInventoryIntoTheTestbedSettings() throws {
        let inventory = try loadInventory(try Fixtures.text("testbed.ini"), path: "/tmp/drover-testbed/inventory.ini")
        #expect(inventory.environment == "testbed")
        #expect(inventory.hosts.map(\.name) == ["host001", "host002"])
        for (index, host) in inventory.hosts.enumerated() {
            #expect(
                host.connection
                    == ConnectionSettings(
                        address: "127.0.1.\(index + 1)", port: 22, user: "root",
                        identityFiles: ["/tmp/drover-testbed/client_key"],
                        knownHostsFiles: ["/tmp/drover-testbed/known_hosts"], hostKeyPolicy: .strict))
            #expect(host.groups == ["all", "testbed"])
        }
    }

    @Test func defaultsToTheHostNamePort22AndTheGivenUser() throws {
        let host = try #require(try loadInventory("web1.example\n", user: "alice").hosts.first)
        #expect(host.connection == ConnectionSettings(address: "web1.example", port: 22, user: "alice"))
    }

    @Test func resolvesAProductionInventory() throws {
        let inventory = try loadInventory(try Fixtures.text("production.ini"), path: "envs/prod/hosts.ini")
        let bastion = try #require(inventory.host(named: "bastion.example"))
        #expect(bastion.connection == ConnectionSettings(address: "bastion.example", user: "jump"))

        let app = try #require(inventory.host(named: "app03.prod.example"))
        #expect(
            app.connection
                == ConnectionSettings(
                    address: "app03.prod.example", port: 22, user: "deploy",
                    identityFiles: ["envs/prod/keys/deploy_ed25519"],
                    knownHostsFiles: ["envs/prod/known_hosts", "/home/deploy/.ssh/known_hosts"],
                    hostKeyPolicy: .acceptNew, passphraseEnvironment: "DEPLOY_KEY_PASSPHRASE",
                    proxyJump: [ConnectionSettings.Jump(address: "bastion.example", port: 2222, user: "jump")]))

        let dbB = try #require(inventory.host(named: "db-b.prod.example"))
        #expect(dbB.connection.port == 2200)
        #expect(dbB.connection.user == "postgres")
        #expect(dbB.connection.hostKeyPolicy == .acceptNew)
        let dbC = try #require(inventory.host(named: "db-c.prod.example"))
        #expect(dbC.connection.port == 5022)
        #expect(dbC.connection.password == .environment("DB_SSH_PASSWORD"))
        #expect(inventory.hosts.map(\.name).filter { $0.hasPrefix("app") } == (1...4).map { "app0\($0).prod.example" })
    }

    @Test(arguments: [
        ("-o ProxyJump=bastion", [ConnectionSettings.Jump(address: "bastion")]),
        ("-J ops@jump1:2201,jump2", [.init(address: "jump1", port: 2201, user: "ops"), .init(address: "jump2")]),
        ("-o 'ProxyJump ssh://a@[2001:db8::5]:2022'", [.init(address: "2001:db8::5", port: 2022, user: "a")]),
        ("-oProxyJump=first -o ProxyJump=second", [.init(address: "first")]),
        ("-o ProxyJump=none", []),
    ])
    func honoursProxyJump(arguments: String, expected: [ConnectionSettings.Jump]) throws {
        let host = try #require(try loadInventory("h ansible_ssh_common_args=\"\(arguments)\"\n").hosts.first)
        #expect(host.connection.proxyJump == expected)
    }

    @Test(arguments: [
        ("-o UserKnownHostsFile=/etc/kh", ["/etc/kh"], ConnectionSettings.HostKeyPolicy.strict),
        ("-o 'UserKnownHostsFile /a ~/b rel'", ["/a", "/home/deploy/b", "inv/rel"], .strict),
        ("-o UserKnownHostsFile /a -o StrictHostKeyChecking accept-new", ["/a"], .acceptNew),
        ("-o StrictHostKeyChecking=yes -o StrictHostKeyChecking=accept-new", [], .strict),
        ("-o StrictHostKeyChecking=ask", [], .strict),
        ("-C -4 -o ServerAliveInterval=30 -F /dev/null -o ControlMaster=auto", [], .strict),
    ])
    func honoursKnownHostsFilesAndHostKeyChecking(
        arguments: String, files: [String], policy: ConnectionSettings.HostKeyPolicy
    ) throws {
        let text = "h ansible_ssh_common_args=\"\(arguments)\"\n"
        let host = try #require(try loadInventory(text, path: "inv/hosts.ini").hosts.first)
        #expect(host.connection.knownHostsFiles == files)
        #expect(host.connection.hostKeyPolicy == policy)
    }

    @Test func letsExplicitVariablesWinOverTheSameOptionInSSHArguments() throws {
        let text = """
            [g]
            explicit ansible_port=2201 ansible_user=alice ansible_ssh_private_key_file=/k1
            implicit
            [g:vars]
            ansible_ssh_common_args='-o Port=2202 -o User=bob -i /k2 -o HostName=real.example'
            """
        let inventory = try loadInventory(text)
        let explicit = try #require(inventory.host(named: "explicit")).connection
        #expect(explicit.port == 2201)
        #expect(explicit.user == "alice")
        #expect(explicit.identityFiles == ["/k1", "/k2"])
        #expect(explicit.address == "real.example")
        let implicit = try #require(inventory.host(named: "implicit")).connection
        #expect(implicit.port == 2202)
        #expect(implicit.user == "bob")
        #expect(implicit.identityFiles == ["/k2"])
    }

    @Test func appliesCommonArgumentsBeforeExtraArguments() throws {
        let text =
            "h ansible_ssh_common_args='-p 2001' ansible_ssh_extra_args='-p 2002 -o StrictHostKeyChecking=accept-new'\n"
        let host = try #require(try loadInventory(text).hosts.first)
        #expect(host.connection.port == 2001)
        #expect(host.connection.hostKeyPolicy == .acceptNew)
    }

    @Test func expandsTildeAndResolvesRelativeKeyPathsAgainstTheInventory() throws {
        let text = "a ansible_ssh_private_key_file=~/.ssh/id_ed25519\nb ansible_ssh_private_key_file=keys/b\n"
        let inventory = try loadInventory(text, path: "/srv/inv/hosts", home: "/home/op/")
        #expect(inventory.hosts.map(\.connection.identityFiles) == [["/home/op/.ssh/id_ed25519"], ["/srv/inv/keys/b"]])
    }

    @Test(arguments: [
        ("drover_password_env=DB_PASS", ConnectionSettings.PasswordSource.environment("DB_PASS")),
        ("drover_password_file=secrets/db", .file("inv/secrets/db")),
        ("drover_password_file=~/db", .file("/home/deploy/db")),
        ("ansible_password=\"{{ lookup('env', 'DB_PASS') }}\"", .environment("DB_PASS")),
        ("ansible_password=\"{{lookup('ansible.builtin.file','/run/pw')}}\"", .file("/run/pw")),
    ])
    func takesPasswordsOnlyFromEnvironmentVariablesOrFiles(
        assignment: String, expected: ConnectionSettings.PasswordSource
    ) throws {
        let host = try #require(try loadInventory("h \(assignment)\n", path: "inv/hosts.ini").hosts.first)
        #expect(host.connection.password == expected)
    }

    @Test func becomePasswordIsAReferenceNeverALiteral() throws {
        let inventory = try loadInventory(
            """
            a drover_become_password_env=SUDO_A
            b ansible_become_password="{{ lookup('env', 'SUDO_B') }}"
            c
            """)
        #expect(inventory.hosts.map(\.connection.becomePassword) == [.environment("SUDO_A"), .environment("SUDO_B"), nil])
        let errors = loadErrors("[web]\nw1\n[web:vars]\nansible_become_pass=t0pS3cret\n")
        #expect(
            errors == [
                "inventory.ini:4:21: ansible_become_pass holds a literal password, and Drover keeps no secrets in "
                    + "inventories: set drover_become_password_env=VAR (an environment variable) or write it as "
                    + "{{ lookup('env', 'VAR') }} instead"
            ])
        #expect(!errors.joined().contains("t0pS3cret"))
    }

    @Test func refusesALiteralPasswordWithoutRepeatingIt() {
        let errors = loadErrors(
            """
            [db]
            db1
            [db:vars]
            ansible_password=s3cret!
            [unused]
            [unused:vars]
            ansible_ssh_pass='hunter2'
            """)
        #expect(
            errors == [
                "inventory.ini:4:18: ansible_password holds a literal password, and Drover keeps no secrets in "
                    + "inventories: set drover_password_env=VAR (an environment variable) or drover_password_file=PATH "
                    + "(a file) instead",
                "inventory.ini:7:18: ansible_ssh_pass holds a literal password, and Drover keeps no secrets in "
                    + "inventories: set drover_password_env=VAR (an environment variable) or drover_password_file=PATH "
                    + "(a file) instead",
            ])
        #expect(!errors.joined().contains("s3cret"))
        #expect(!errors.joined().contains("hunter2"))
    }

    @Test(arguments: [
        (
            "h drover_password_env='not a name!'",
            "inventory.ini:1:23: drover_password_env must name an environment variable (letters, digits and '_'), "
                + "not hold a secret"
        ),
        (
            "h drover_password_env=A drover_password_file=/b",
            "inventory.ini:1:46: set only one of drover_password_env and drover_password_file"
        ),
        (
            "h ansible_ssh_common_args='-o StrictHostKeyChecking=no'",
            "inventory.ini:1:27: in ansible_ssh_common_args: StrictHostKeyChecking=no would disable host key "
                + "checking, which Drover never does (use accept-new to record keys of new hosts)"
        ),
        (
            "h ansible_host_key_checking=False",
            "inventory.ini:1:29: ansible_host_key_checking is false, which would disable host key checking; "
                + "Drover always checks (use -o StrictHostKeyChecking=accept-new to record keys of new hosts)"
        ),
        (
            "h ansible_ssh_extra_args='-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=accept-new'",
            "inventory.ini:1:26: UserKnownHostsFile=/dev/null with StrictHostKeyChecking=accept-new would accept "
                + "any host key, every time; name a real known_hosts file"
        ),
        (
            "h ansible_ssh_common_args='-o ProxyCommand=\"ssh -W %h:%p bastion\"'",
            "inventory.ini:1:27: in ansible_ssh_common_args: ProxyCommand is not supported; Drover would connect "
                + "directly instead (use ProxyJump)"
        ),
        (
            "h ansible_ssh_common_args='-J user@:22'",
            "inventory.ini:1:27: in ansible_ssh_common_args: ProxyJump 'user@:22' is not [user@]host[:port]"
        ),
        (
            "h ansible_port=ssh",
            "inventory.ini:1:16: ansible_port must be a number from 1 to 65535, found 'ssh'"
        ),
        (
            "h ansible_host='two words'",
            "inventory.ini:1:16: ansible_host must be a host name or address, found 'two words'"
        ),
    ])
    func refusesUnsafeOrUnusableConnectionVariables(line: String, expected: String) {
        #expect(loadErrors(line + "\n") == [expected])
    }
}
