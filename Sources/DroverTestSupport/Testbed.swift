import DroverModel
import Foundation

/// The local fleet of real OpenSSH hosts that `Scripts/testbed` starts (one sshd per loopback address,
/// each with its own host key, hostname and private `/srv/host`).
///
/// Tests share one testbed per process. Hosts are handed out by role so tests that run in parallel
/// never disturb each other: 1…20 are read-only workers; the others each belong to one kind of test.
public enum Testbed {
    /// How many hosts the tests start.
    public static let size = 24
    /// Hosts that tests only read from; safe to share.
    public static let sharedHosts = 1...20
    /// Killed and restarted by the unreachable-host test.
    public static let killHost = 21
    /// Stopped (SIGSTOP) and resumed by the hung-host test.
    public static let hangHost = 22
    /// Used with deliberately wrong or empty known_hosts files.
    public static let hostKeyHost = 23
    /// Written to by upload and output tests (each test uses its own file names).
    public static let scratchHost = 24

    /// The repository's root, found from this file's location.
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static let directory: String =
        ProcessInfo.processInfo.environment["DROVER_TESTBED_DIR"] ?? "/tmp/drover-testbed"

    public static var inventoryPath: String { directory + "/inventory.ini" }
    public static var knownHostsPath: String { directory + "/known_hosts" }
    public static var clientKeyPath: String { directory + "/client_key" }

    private static let started: Swift.Result<Void, TestbedError> = {
        do {
            let result = try Subprocess.run(repositoryRoot + "/Scripts/testbed", ["up", String(size)])
            guard result.status == 0 else {
                return .failure(TestbedError(message: "Scripts/testbed up failed:\n\(result.stdout)\n\(result.stderr)"))
            }
            return .success(())
        } catch {
            return .failure(TestbedError(message: "cannot run Scripts/testbed: \(error)"))
        }
    }()

    /// Starts the testbed once per process (idempotent: hosts already running are kept).
    /// - Throws: when the hosts cannot be started; integration tests then fail rather than skip.
    public static func ensureUp() throws {
        try started.get()
    }

    /// Runs `Scripts/testbed` with the given arguments (`kill 21`, `hang 22`, `resume 22`, `up 24`).
    @discardableResult
    public static func script(_ arguments: String...) throws -> Subprocess.Result {
        let result = try Subprocess.run(repositoryRoot + "/Scripts/testbed", arguments)
        guard result.status == 0 else {
            throw TestbedError(message: "Scripts/testbed \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result
    }

    /// Host `index`'s name, as the testbed names it (`host007`).
    public static func name(_ index: Int) -> String {
        let digits = String(index)
        return "host" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// Host `index`'s loopback address: 127.0.X.Y with X = 1 + (i-1)/250, Y = 1 + (i-1)%250.
    public static func address(_ index: Int) -> String {
        "127.0.\(1 + (index - 1) / 250).\(1 + (index - 1) % 250)"
    }

    /// An INI inventory of one group `fleet` holding `hosts` (name, `ansible_host`), logging in as the testbed's
    /// hosts want (root, the client key, the testbed's known_hosts): for mixing testbed hosts with ones that are not.
    public static func inventory(_ hosts: [(name: String, address: String)]) -> String {
        (["[fleet]"] + hosts.map { "\($0.name) ansible_host=\($0.address)" } + [
            "[fleet:vars]", "ansible_user=root", "ansible_ssh_private_key_file=\(clientKeyPath)",
            "ansible_ssh_common_args='-o UserKnownHostsFile=\(knownHostsPath)'",
        ]).joined(separator: "\n") + "\n"
    }

    /// A shell loop for a step that holds its host until the test creates `path` there, for at most `seconds` (then
    /// the step goes on, so a test that fails before releasing it leaves nothing waiting on the host for ever).
    public static func holdUntil(_ path: String, seconds: Int = 120) -> String {
        "for i in $(seq \(seconds * 10)); do [ -e \(path) ] && break; sleep 0.1; done"
    }

    /// Writes a rollout over all the inventory's hosts whose `wait` step holds each host until `remote/go` exists (at
    /// most 60 s), so a run keeps its leases until the test releases it; then `after`. Each step appends to
    /// `remote/log-HOST`, and `wait` is idempotent (a resume runs it again). `serial: 1` takes the hosts one at a time.
    public static func heldRollout(at path: String, name: String, remote: String, serial: Int? = nil) throws -> String {
        try """
            name: \(name)
            stages:
              - name: Roll out
                hosts: all
            \(serial.map { "    serial: \($0)\n" } ?? "")    steps:
                  - name: wait
                    run: mkdir -p \(remote) && echo ran >> \(remote)/log-{{ host.name }} && \(holdUntil(remote + "/go", seconds: 60))
                    idempotent: true
                  - name: after
                    run: echo after >> \(remote)/log-{{ host.name }}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The testbed's hosts as a production inventory in `directory`, with a policy beside it that allows any time and
    /// names `approvers` as production's override approvers.
    public static func productionInventory(in directory: String, approvers: [String]) throws
        -> (inventory: String, policy: String)
    {
        let inventory = directory + "/production.ini"
        try (String(contentsOfFile: inventoryPath, encoding: .utf8) + "\n[all:vars]\ndrover_environment=production\n")
            .write(toFile: inventory, atomically: true, encoding: .utf8)
        let policy = directory + "/policy.yml"
        try "environments:\n  production:\n    override_approvers: [\(approvers.joined(separator: ", "))]\n".write(
            toFile: policy, atomically: true, encoding: .utf8)
        return (inventory, policy)
    }

    /// Host `index` with the testbed's client key and known_hosts, built without the inventory loader
    /// so the SSH tests do not depend on it. `knownHosts` overrides the known_hosts file.
    public static func host(_ index: Int, knownHosts: String? = nil, policy: ConnectionSettings.HostKeyPolicy = .strict)
        -> Host
    {
        Host(
            name: name(index),
            connection: ConnectionSettings(
                address: address(index), port: 22, user: "root", identityFiles: [clientKeyPath],
                knownHostsFiles: [knownHosts ?? knownHostsPath], hostKeyPolicy: policy))
    }
}

public struct TestbedError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
