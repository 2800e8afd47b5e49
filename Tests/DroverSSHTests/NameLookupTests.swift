@testable import DroverSSH
import DroverModel
import Foundation
import Testing

/// The name lookup before a connection is bounded by the connect timeout, whatever the resolver does.
@Suite("name lookup", .timeLimit(.minutes(1)))
struct NameLookupTests {
    @Test func aLookupThatNeverAnswersIsUnreachableWithinTheConnectTimeout() async throws {
        let release = DispatchSemaphore(value: 0)
        defer { release.signal() }  // lets the abandoned lookup's thread end
        let error = try await #require(throws: HostError.self) {
            try await SocketAddress.resolve(
                "db1.example.internal", port: 22, label: "db1", within: .milliseconds(200),
                lookup: { _, _ in
                    release.wait()
                    return .failed("released")
                })
        }
        #expect(error.code == .unreachable)
        #expect(
            error.message
                == "db1 is unreachable: the name lookup of 'db1.example.internal' did not answer within 0.2s (the DNS "
                + "servers in /etc/resolv.conf are slow or unreachable)")
    }

    @Test func aLookupThatAnswersGivesItsAddressAndItsFailureItsReason() async throws {
        let address = try await SocketAddress.resolve(
            "app1", port: 2222, label: "app1", within: .seconds(30),
            lookup: { _, port in .address(SocketAddress.numeric("127.0.3.4", port: port)!) })
        #expect(address.description == "127.0.3.4:2222")
        let error = try await #require(throws: HostError.self) {
            try await SocketAddress.resolve(
                "nowhere", port: 22, label: "app2", within: .seconds(30), lookup: { _, _ in .failed("no such name") })
        }
        #expect(error.message == "app2 is unreachable: no such name")
    }

    @Test func theSystemResolverReadsTheHostsFile() async throws {
        let address = try await SocketAddress.resolve("localhost", port: 22, label: "local", within: .seconds(30))
        #expect(["127.0.0.1:22", "[::1]:22"].contains(address.description))
    }
}
