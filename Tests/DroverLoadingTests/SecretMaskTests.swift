import DroverModel
import Testing

@Suite struct SecretMaskTests {
    @Test(arguments: [
        ("ansible_become_password", true),
        ("ansible_become_pass", true),
        ("ansible_ssh_pass", true),
        ("drover_passphrase", true),
        ("API_TOKEN", true),
        ("vault_secret", true),
        ("license_key", true),
        ("ansible_host_key_checking", true),
        ("ansible_ssh_private_key_file", false),
        ("drover_password_file", false),
        ("tls_key_path", false),
        ("drover_password_env", false),
        ("drover_passphrase_env", false),
        ("ansible_user", false),
        ("ansible_port", false),
        ("release", false),
    ])
    func judgesSecretsByVariableName(name: String, secret: Bool) {
        #expect(SecretMask.isSecret(name) == secret)
    }

    @Test func masksSecretKeysInsideMapsAndListsButKeepsTheRest() {
        let value = InventoryValue.map([
            "name": .string("app"),
            "password": .string("hunter2"),
            "replicas": .list([.map(["token": .int(42), "host": .string("db2")])]),
        ])
        #expect(
            SecretMask.masked(value, name: "db").description
                == #"{"name": "app", "password": "********", "replicas": [{"host": "db2", "token": "********"}]}"#)
        #expect(SecretMask.masked(value, name: "db_secret") == .string("********"))
    }
}
