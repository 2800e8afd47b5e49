@testable import DroverSSH
import DroverModel
import DroverTestSupport
import Foundation
import Synchronization
import Testing

extension OverRealSSH {
    /// Closing a session returns only once libssh2 has freed it. A controller that exits right after closing its
    /// sessions (every command does) must not find the event loop still inside `libssh2_session_free`, which uses
    /// OpenSSL while the exit handlers tear OpenSSL down: outside testing saw such a run die of SIGSEGV in
    /// `CRYPTO_THREAD_write_lock`, about one run in a hundred (issue 17, finding 8).
    @Suite("closing a session over real sshd", .timeLimit(.minutes(1)))
    struct SessionCloseTests {
        init() throws { try Testbed.ensureUp() }

        @Test func closeReturnsOnlyOnceTheSessionIsFreed() async throws {
            let transport = SSHTransport(options: SSHOptions(connectTimeout: .seconds(10)))
            let connection = try #require(try await transport.connect(to: Testbed.host(13)) as? SSHConnection)
            #expect(try await connection.run("true", timeout: .seconds(10)).exitStatus == 0)
            let order = Mutex<[String]>([])
            let returned = DispatchSemaphore(value: 0)
            // Set while nothing runs on the session (the close below hands it to the event loop afterwards).
            connection.core.beforeRelease = {
                // A close that answered before freeing would return while this waits: give it the time to, so that
                // order shows every time. In the right order nothing signals, and this wait runs out (0.5 s).
                _ = returned.wait(timeout: .now() + .milliseconds(500))
                order.withLock { $0.append("freed") }
            }
            await connection.close()
            order.withLock { $0.append("returned") }
            returned.signal()
            // In the wrong order "freed" comes after: wait for it (bounded) so the comparison sees both.
            _ = try await eventually(within: .seconds(2), every: .milliseconds(20)) {
                order.withLock { $0.contains("freed") }
            }
            #expect(order.withLock { $0 } == ["freed", "returned"])
        }
    }
}
