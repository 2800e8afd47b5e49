import DroverModel
@testable import DroverSSH
import DroverTestSupport
import Foundation
import Glibc
import Testing

extension OverRealSSH {
    /// The event loop's own `poll` failing: interrupted calls are retried; any other failure fails the sessions with
    /// a sentence (the run can then record it and roll back) and the loop carries on, instead of ending the process.
    @Suite("the reactor when poll fails", .timeLimit(.minutes(2)))
    struct ReactorFailureTests {
        init() throws { try Testbed.ensureUp() }

        /// Makes the next `poll` of the loop fail with `errno`, once.
        final class Trip: @unchecked Sendable {
            private let lock = NSLock()
            private var armed: Int32?
            func arm(_ error: Int32) { lock.withLock { armed = error } }
            /// The error to fail this call with, if armed (then disarmed).
            func take() -> Int32? {
                lock.withLock {
                    defer { armed = nil }
                    return armed
                }
            }
        }

        static func reactor(_ trip: Trip) -> Reactor {
            Reactor(poll: { fds, count, timeout in
                if let error = trip.take() {
                    errno = error
                    return -1
                }
                return Glibc.poll(fds, count, timeout)
            })
        }

        static func transport(_ reactor: Reactor) -> SSHTransport {
            SSHTransport(options: SSHOptions(connectTimeout: .seconds(30), keepalive: .seconds(5)), reactor: reactor)
        }

        @Test func aFailingPollFailsTheSessionsWithASentenceAndTheLoopCarriesOn() async throws {
            let trip = Trip()
            let transport = Self.transport(Self.reactor(trip))
            let connection = try await transport.connect(to: Testbed.host(20))
            let (started, signal) = AsyncStream.makeStream(of: Void.self)
            let running = Task {
                try await connection.run("echo running; sleep 30", timeout: .seconds(60)) { _, _ in signal.yield() }
            }
            for await _ in started { break }
            trip.arm(ENOMEM)
            // Any request wakes the loop, whose next poll then fails.
            _ = try? await transport.connect(to: Testbed.host(20))
            let error = await #expect(throws: HostError.self) { _ = try await running.value }
            #expect(error?.code == .connectionLost)
            #expect(
                error?.message.contains("the controller could not wait on its SSH connections (poll: "
                    + String(cString: strerror(ENOMEM)) + ")") == true, "\(error?.message ?? "")")
            // The loop is alive: a new session works.
            let after = try await transport.connect(to: Testbed.host(20))
            #expect(try await after.run("echo alive", timeout: .seconds(10)).stdout == "alive\n")
            await after.close()
        }

        @Test func anInterruptedPollIsRetriedAndNothingFails() async throws {
            let trip = Trip()
            let transport = Self.transport(Self.reactor(trip))
            let connection = try await transport.connect(to: Testbed.host(20))
            let (started, signal) = AsyncStream.makeStream(of: Void.self)
            let running = Task {
                try await connection.run("echo running; sleep 1; echo done", timeout: .seconds(30)) { _, _ in signal.yield() }
            }
            for await _ in started { break }
            trip.arm(EINTR)
            let other = try await transport.connect(to: Testbed.host(20))  // wakes the loop: its poll is interrupted
            let result = try await running.value
            #expect(result.stdout == "running\ndone\n")
            await other.close()
            await connection.close()
        }
    }
}
