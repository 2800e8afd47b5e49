@testable import DroverSSH
import DroverModel
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// Idle sessions (a run keeps every host's session open until its end) still send keepalives, though the
    /// reactor looks at them only when one is due.
    @Suite("keepalive over real sshd", .timeLimit(.minutes(1)))
    struct KeepaliveTests {
        init() throws { try Testbed.ensureUp() }

        /// Bytes the kernel has sent on the TCP connection whose local port is `port`, as `ss` reports them.
        static func bytesSent(localPort port: Int) throws -> Int? {
            let out = try local("ss -tinH state established '( sport = :\(port) )'")
            guard let range = out.range(of: #"bytes_sent:(\d+)"#, options: .regularExpression) else { return nil }
            return Int(out[range].dropFirst("bytes_sent:".count))
        }

        static func localPort(_ fd: Int32) -> Int {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        @Test func anIdleSessionSendsKeepalives() async throws {
            let transport = SSHTransport(options: SSHOptions(connectTimeout: .seconds(10), keepalive: .seconds(1)))
            let connection = try #require(try await transport.connect(to: Testbed.host(12)) as? SSHConnection)
            defer { Task { await connection.close() } }
            #expect(try await connection.run("true", timeout: .seconds(10)).exitStatus == 0)
            let port = Self.localPort(connection.core.fd)
            let before = try #require(try Self.bytesSent(localPort: port))
            // Nothing runs on the session from here: only keepalives can send bytes. Look for up to 5 s.
            let sent = try await eventually(within: .seconds(5)) { try Self.bytesSent(localPort: port) ?? before > before }
            #expect(sent, "no keepalive left the idle session within 5 s (interval 1 s)")
            // And the session still works afterwards.
            #expect(try await connection.run("echo still here", timeout: .seconds(10)).stdout == "still here\n")
        }
    }
}
