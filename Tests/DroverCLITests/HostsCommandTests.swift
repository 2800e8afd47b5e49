import DroverTestSupport
import Foundation
import Testing

/// `drover hosts` as a user runs it: no testbed needed, it connects to nothing. HOME points at a scratch directory
/// so the machine's own ~/.ssh/config never leaks in.
@Suite("drover hosts", .timeLimit(.minutes(1)))
struct HostsCommandTests {
    let home: String
    let inventory: String

    init() throws {
        home = NSTemporaryDirectory() + "drover-hosts-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try """
        Host bastion
          HostName bastion.internal
          User jump
          Port 2222
        Host web*
          User deploy
          ProxyJump bastion
          IdentityFile ~/.ssh/web_key
        """.write(toFile: home + "/.ssh/config", atomically: true, encoding: .utf8)
        inventory = home + "/inventory.ini"
        try """
        [web]
        web1 ansible_become_password="{{ lookup('env', 'BECOME_PW') }}" drover_password_env=WEB_PW api_token=t0ps3cret
        web2 ansible_port=2201 ansible_user=alice drover_password_file=/run/pw
        [web:vars]
        ansible_become=true
        """.write(toFile: inventory, atomically: true, encoding: .utf8)
    }

    private func drover(_ arguments: String...) async throws -> Subprocess.Result {
        let binary =
            ProcessInfo.processInfo.environment["DROVER_BINARY"]
            ?? Testbed.repositoryRoot + "/.build/debug/drover"
        return try await Subprocess.run(
            binary, arguments, environment: ["HOME": home, "USER": "operator"], timeout: .seconds(30))
    }

    @Test func listsResolvedHostsWithSSHConfigAppliedAndSecretsMasked() async throws {
        let result = try await drover("hosts", "-i", inventory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout == """
                web1
                  groups       all, web
                  address      web1
                  port         22
                  user         deploy
                  identity     \(home)/.ssh/web_key
                  known_hosts  default (~/.ssh/known_hosts)
                  host keys    yes
                  proxy jump   jump@bastion.internal:2222
                  password     env:WEB_PW
                  vars
                    ansible_become = "true"
                    ansible_become_password = "********"
                    api_token = "********"
                    drover_password_env = "WEB_PW"

                web2
                  groups       all, web
                  address      web2
                  port         2201
                  user         alice
                  identity     \(home)/.ssh/web_key
                  known_hosts  default (~/.ssh/known_hosts)
                  host keys    yes
                  proxy jump   jump@bastion.internal:2222
                  password     file:/run/pw
                  vars
                    ansible_become = "true"
                    ansible_port = 2201
                    ansible_user = "alice"
                    drover_password_file = "/run/pw"

                2 hosts

                """)
        #expect(!result.stdout.contains("t0ps3cret"))
        #expect(!result.stdout.contains("BECOME_PW"))
    }

    @Test func printsOneJSONObjectPerHostWithStableFields() async throws {
        let result = try await drover("hosts", "-i", inventory, "--output", "json", "--limit", "web1")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "host", "groups", "address", "port", "user", "identity_files", "known_hosts_files", "host_key_policy",
                "proxy_jump", "password_source", "passphrase_source", "vars",
            ])
        #expect(object["host"] as? String == "web1")
        #expect(object["groups"] as? [String] == ["all", "web"])
        #expect(object["user"] as? String == "deploy")
        #expect(object["port"] as? Int == 22)
        #expect(object["identity_files"] as? [String] == [home + "/.ssh/web_key"])
        #expect(object["host_key_policy"] as? String == "yes")
        #expect(object["password_source"] as? String == "env:WEB_PW")
        let jumps = try #require(object["proxy_jump"] as? [[String: Any]])
        #expect(jumps.count == 1)
        #expect(jumps.first?["address"] as? String == "bastion.internal")
        #expect(jumps.first?["port"] as? Int == 2222)
        let vars = try #require(object["vars"] as? [String: Any])
        #expect(vars["ansible_become_password"] as? String == "********")
        #expect(vars["api_token"] as? String == "********")
        #expect(!result.stdout.contains("t0ps3cret"))
    }

    @Test func sshConfigNoneIgnoresTheUsersConfig() async throws {
        let result = try await drover("hosts", "-i", inventory, "--ssh-config", "none", "--limit", "web1", "--output", "json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["user"] as? String == "operator")
        #expect((object["proxy_jump"] as? [Any])?.isEmpty == true)
    }

    @Test func badSSHConfigOrInventoryExits64WithFileLineAndColumn() async throws {
        let config = home + "/broken_config"
        try "Host web*\n  Port 99999\n  ProxyCommand nc %h %p\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let badConfig = try await drover("hosts", "-i", inventory, "--ssh-config", config)
        #expect(badConfig.status == 64)
        #expect(badConfig.stderr == "\(config):2:8: Port '99999' is not a number from 1 to 65535\n")
        #expect(badConfig.stdout.isEmpty)

        try "Host web*\n  ProxyCommand nc %h %p\n".write(toFile: config, atomically: true, encoding: .utf8)
        let unsupported = try await drover("hosts", "-i", inventory, "--ssh-config", config)
        #expect(unsupported.status == 64)
        #expect(
            unsupported.stderr
                == "\(config):2:16: ProxyCommand is not supported; Drover would connect directly instead (use ProxyJump)\n"
        )

        let missing = try await drover("hosts", "-i", inventory, "--ssh-config", home + "/nope")
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("\(home)/nope: cannot read the file"))

        let brokenInventory = home + "/broken.ini"
        try "[web]\nweb1 ansible_port=ssh\n".write(toFile: brokenInventory, atomically: true, encoding: .utf8)
        let badInventory = try await drover("hosts", "-i", brokenInventory)
        #expect(badInventory.status == 64)
        #expect(
            badInventory.stderr
                == "\(brokenInventory):2:19: ansible_port must be a number from 1 to 65535, found 'ssh'\n")
    }
}
