import DroverTestSupport
import Foundation
import Testing

/// The `drover` executable as a user runs it, against the testbed's own inventory.
@Suite("drover ping and exec", .timeLimit(.minutes(2)))
struct CLITests {
    init() throws { try Testbed.ensureUp() }

    private func drover(_ arguments: String...) async throws -> Subprocess.Result {
        let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
            ?? Testbed.repositoryRoot + "/.build/debug/drover"
        return try await Subprocess.run(binary, arguments, timeout: .seconds(90))
    }

    @Test func pingReachesEveryHostOfTheInventory() async throws {
        let result = try await drover("ping", "-i", Testbed.inventoryPath, "--limit", "host00[1-9]:host010", "--connect-timeout", "30s")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.filter { $0.contains("  OK  ") }.count == 10)
        #expect(lines.last?.hasPrefix("10 hosts: 10 ok in ") == true)
    }

    @Test func execPrintsOneJSONObjectPerHost() async throws {
        let result = try await drover(
            "exec", "-i", Testbed.inventoryPath, "--limit", "host01*", "--output", "json", "--connect-timeout", "30s", "--",
            "cat /srv/host/name")
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 10)
        for object in objects {
            let host = try #require(object["host"] as? String)
            #expect(object["status"] as? String == "ok")
            #expect(object["exit"] as? Int == 0)
            #expect(object["stdout"] as? String == host + "\n")
            #expect(object["address"] as? String == Testbed.address(Int(host.dropFirst(4))!))
        }
    }

    @Test func execExitsNonZeroAndShowsOutputWhenAHostFails() async throws {
        let result = try await drover(
            "exec", "-i", Testbed.inventoryPath, "--limit", "host001:host002", "--connect-timeout", "30s", "--",
            "test $(hostname) = host001 || { echo broken >&2; exit 5; }")
        #expect(result.status == 1)
        #expect(result.stdout.contains("host001  OK  exit 0"))
        #expect(result.stdout.contains("host002  FAILED  exit 5"))
        #expect(result.stdout.contains("    ! broken"))
        #expect(result.stdout.contains("2 hosts: 1 ok, 1 failed in "))
    }

    @Test func pingNamesAnUnreachableHostAndExitsNonZero() async throws {
        let directory = NSTemporaryDirectory() + "drover-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let inventory = directory + "/inventory.ini"
        try Testbed.inventory([("host001", "127.0.1.1"), ("ghost", "127.0.250.250")])
            .write(toFile: inventory, atomically: true, encoding: .utf8)
        let result = try await drover("ping", "-i", inventory, "--connect-timeout", "3s")
        #expect(result.status == 1)
        #expect(result.stdout.contains("host001  OK"))
        #expect(result.stdout.contains("ghost    UNREACHABLE"))
        #expect(result.stdout.contains("connection refused on 127.0.250.250:22"))
    }

    /// A DNS server that never answers (a UDP socket nobody reads, on loopback), made the resolver of a `drover ping`
    /// in a mount namespace of its own: the lookup is cut off at `--connect-timeout`, not at the resolver's own
    /// timeouts (5 s per try, per server and per address family).
    @Test func aNameLookupThatNeverAnswersIsCutOffAtTheConnectTimeout() async throws {
        let directory = NSTemporaryDirectory() + "drover-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let silent = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(silent >= 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(53).bigEndian)
        inet_pton(AF_INET, "127.0.7.53", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0, "cannot bind 127.0.7.53:53: errno \(errno)")
        try "nameserver 127.0.7.53\n".write(toFile: directory + "/resolv.conf", atomically: true, encoding: .utf8)
        let inventory = directory + "/inventory.ini"
        try Testbed.inventory([("host001", "127.0.1.1"), ("slowdns", "app1.drover-lookup.test")])
            .write(toFile: inventory, atomically: true, encoding: .utf8)
        let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
            ?? Testbed.repositoryRoot + "/.build/debug/drover"
        let result = try await Subprocess.run(
            "/usr/bin/unshare",
            ["-m", "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", directory + "/resolv.conf",
             binary, "ping", "-i", inventory, "--connect-timeout", "1s"],
            timeout: .seconds(60))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("host001  OK"), "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "the name lookup of 'app1.drover-lookup.test' did not answer within 1s (the DNS servers in "
                    + "/etc/resolv.conf are slow or unreachable)"),
            "\(result.stdout)")
    }

    @Test func badInputExits64WithFileLineAndColumn() async throws {
        let directory = NSTemporaryDirectory() + "drover-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let inventory = directory + "/broken.ini"
        try "[web]\napp[05:01].example\n".write(toFile: inventory, atomically: true, encoding: .utf8)
        let result = try await drover("ping", "-i", inventory)
        #expect(result.status == 64)
        #expect(result.stderr.contains("\(inventory):2:"))

        let noCommand = try await drover("exec", "-i", Testbed.inventoryPath)
        #expect(noCommand.status == 64)
        #expect(noCommand.stderr.contains("Missing expected argument '-- <command> ...'"))

        let badTimeout = try await drover("exec", "-i", Testbed.inventoryPath, "--timeout", "soon", "--", "true")
        #expect(badTimeout.status == 64)
        #expect(badTimeout.stderr.contains("'soon' is not a duration"))
    }
}
