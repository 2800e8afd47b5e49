import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

/// Hosts that die, hang, or cannot be trusted. Serialized: they change testbed hosts 21–23.
extension OverRealSSH {
    @Suite("failing hosts over real sshd", .timeLimit(.minutes(2)))
    struct FailureTests {
        init() throws { try Testbed.ensureUp() }

        @Test func killedHostIsUnreachableWhileTheOthersSucceed() async throws {
            try Testbed.script("kill", String(Testbed.killHost))
            defer { _ = try? Testbed.script("up", String(Testbed.size)) }
            let hosts = [Testbed.host(8), Testbed.host(Testbed.killHost), Testbed.host(9)]
            let clock = ContinuousClock()
            let start = clock.now
            let outcomes = await FanOut(transport: makeTransport(connectTimeout: .seconds(3)), forks: 3)
                .run("true", timeout: .seconds(10), on: hosts)
            #expect(start.duration(to: clock.now) < .seconds(4))
            #expect(outcomes.map(\.status) == ["ok", "unreachable", "ok"])
            let error = try #require(outcomes[1].result.failure)
            #expect(error.code == .unreachable)
            #expect(error.message.contains("connection refused"))
        }

        @Test func hungHostTimesOutAtConnectAndTheOthersFinish() async throws {
            try Testbed.script("hang", String(Testbed.hangHost))
            defer { _ = try? Testbed.script("resume", String(Testbed.hangHost)) }
            let hosts = [Testbed.host(10), Testbed.host(Testbed.hangHost)]
            let clock = ContinuousClock()
            let start = clock.now
            let outcomes = await FanOut(transport: makeTransport(connectTimeout: .seconds(2)), forks: 2)
                .run("true", timeout: .seconds(10), on: hosts)
            let elapsed = start.duration(to: clock.now)
            #expect(elapsed >= .seconds(2) && elapsed < .seconds(4), "took \(elapsed)")
            #expect(outcomes.map(\.status) == ["ok", "unreachable"])
            #expect(outcomes[1].result.failure?.message.contains("did not complete the SSH handshake") == true)
        }

        @Test func hostThatHangsMidCommandTimesOut() async throws {
            let connection = try await makeTransport().connect(to: Testbed.host(Testbed.hangHost))
            // The command says it is running; then the whole host is frozen under it.
            let (started, signal) = AsyncStream.makeStream(of: Void.self)
            let running = Task {
                try await connection.run("echo running; sleep 30", timeout: .seconds(1)) { _, _ in signal.yield() }
            }
            for await _ in started { break }
            try Testbed.script("hang", String(Testbed.hangHost))
            defer { _ = try? Testbed.script("resume", String(Testbed.hangHost)) }
            await #expect {
                _ = try await running.value
            } throws: { error in
                (error as? HostError)?.code == .timedOut
            }
            await connection.close()
        }

        @Test func jumpHostThatFreezesFailsTheNextTunnelWithinTheTimeout() async throws {
            let transport = makeTransport(connectTimeout: .seconds(2))
            func throughJump(_ index: Int) -> DroverModel.Host {
                var host = Testbed.host(index)
                host.connection.proxyJump = [ConnectionSettings.Jump(address: Testbed.address(Testbed.hangHost))]
                return host
            }
            let first = try await transport.connect(to: throughJump(15))
            await first.close()
            try Testbed.script("hang", String(Testbed.hangHost))
            defer { _ = try? Testbed.script("resume", String(Testbed.hangHost)) }
            let clock = ContinuousClock()
            let start = clock.now
            await #expect {
                _ = try await transport.connect(to: throughJump(16))
            } throws: { error in
                guard let error = error as? HostError else { return false }
                return error.code == .unreachable && error.message.contains("did not open a tunnel within 2s")
            }
            #expect(start.duration(to: clock.now) < .seconds(5))
        }

        @Test func unknownHostKeyIsRefusedAndNothingRuns() async throws {
            let directory = try temporaryDirectory()
            let empty = directory + "/known_hosts"
            _ = FileManager.default.createFile(atPath: empty, contents: Data())
            let marker = "/srv/host/should-not-exist-\(UUID().uuidString)"
            let outcomes = await FanOut(transport: makeTransport(), forks: 1)
                .run("touch \(marker)", timeout: .seconds(10), on: [Testbed.host(Testbed.hostKeyHost, knownHosts: empty)])
            let error = try #require(outcomes[0].result.failure)
            #expect(error.code == .hostKeyUnknown)
            #expect(error.message.contains("SHA256:"))
            #expect(error.message.contains("ssh-ed25519"))
            #expect(try await runOn(Testbed.hostKeyHost, "test -e \(marker)").exitStatus == 1)
            // Strict mode does not write to known_hosts.
            #expect(try String(contentsOfFile: empty, encoding: .utf8).isEmpty)
        }

        @Test func changedHostKeyIsAlwaysRefused() async throws {
            let directory = try temporaryDirectory()
            _ = try local("ssh-keygen -q -t ed25519 -N '' -f \(directory)/impostor")
            let impostor = try String(contentsOfFile: directory + "/impostor.pub", encoding: .utf8)
                .split(separator: " ").prefix(2).joined(separator: " ")
            let knownHosts = directory + "/known_hosts"
            try "\(Testbed.address(Testbed.hostKeyHost)) \(impostor)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
            let marker = "/srv/host/should-not-exist-\(UUID().uuidString)"
            for policy in [ConnectionSettings.HostKeyPolicy.strict, .acceptNew] {
                let host = Testbed.host(Testbed.hostKeyHost, knownHosts: knownHosts, policy: policy)
                let outcomes = await FanOut(transport: makeTransport(), forks: 1)
                    .run("touch \(marker)", timeout: .seconds(10), on: [host])
                let error = try #require(outcomes[0].result.failure)
                #expect(error.code == .hostKeyChanged)
                #expect(error.message.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"))
                #expect(error.message.contains("ssh-keygen -R"))
            }
            #expect(try await runOn(Testbed.hostKeyHost, "test -e \(marker)").exitStatus == 1)
        }

        @Test func acceptNewRecordsAnUnknownKeyAndTrustsItNextTime() async throws {
            let directory = try temporaryDirectory()
            let knownHosts = directory + "/known_hosts"
            let host = Testbed.host(Testbed.hostKeyHost, knownHosts: knownHosts, policy: .acceptNew)
            let connection = try await makeTransport().connect(to: host)
            await connection.close()
            let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
            #expect(recorded.hasPrefix("\(Testbed.address(Testbed.hostKeyHost)) ssh-ed25519 "))
            // The recorded key is what the testbed itself says the host's key is.
            let official = try String(contentsOfFile: Testbed.knownHostsPath, encoding: .utf8)
            #expect(official.contains(recorded.trimmingCharacters(in: .newlines)))
            // A fresh transport (no cache) now trusts it in strict mode.
            let strict = Testbed.host(Testbed.hostKeyHost, knownHosts: knownHosts, policy: .strict)
            try await makeTransport().connect(to: strict).close()
        }

        @Test func hashedKnownHostsTrustTheirHostsAndRefuseAChangedOne() async throws {
            let directory = try temporaryDirectory()
            let knownHosts = directory + "/known_hosts"
            try FileManager.default.copyItem(atPath: Testbed.knownHostsPath, toPath: knownHosts)
            _ = try local("ssh-keygen -H -f \(knownHosts) 2>&1")
            #expect(try !String(contentsOfFile: knownHosts, encoding: .utf8).contains(Testbed.address(2)))
            let hosts = [2, 3, 4].map { Testbed.host($0, knownHosts: knownHosts) }
            let outcomes = await FanOut(transport: makeTransport(), forks: 3).run("true", timeout: .seconds(10), on: hosts)
            #expect(outcomes.map(\.status) == ["ok", "ok", "ok"])

            // The same host under a hashed entry holding another key: changed, refused.
            _ = try local("ssh-keygen -q -t ed25519 -N '' -f \(directory)/impostor")
            let impostor = try String(contentsOfFile: directory + "/impostor.pub", encoding: .utf8)
                .split(separator: " ").prefix(2).joined(separator: " ")
            let forged = directory + "/forged"
            try "\(Testbed.address(Testbed.hostKeyHost)) \(impostor)\n".write(toFile: forged, atomically: true, encoding: .utf8)
            _ = try local("ssh-keygen -H -f \(forged) 2>&1")
            let refused = await FanOut(transport: makeTransport(), forks: 1)
                .run("true", timeout: .seconds(10), on: [Testbed.host(Testbed.hostKeyHost, knownHosts: forged)])
            #expect(refused[0].result.failure?.code == .hostKeyChanged)
        }

        @Test func aRevokedHostKeyIsRefusedEvenWhenAlsoListedAsKnown() async throws {
            let directory = try temporaryDirectory()
            let knownHosts = directory + "/known_hosts"
            let official = try String(contentsOfFile: Testbed.knownHostsPath, encoding: .utf8)
            let line = try #require(official.split(separator: "\n").first {
                $0.hasPrefix(Testbed.address(Testbed.hostKeyHost) + " ")
            })
            let key = line.split(separator: " ").dropFirst().joined(separator: " ")
            try "\(line)\n@revoked * \(key)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
            let marker = "/srv/host/should-not-exist-\(UUID().uuidString)"
            let outcomes = await FanOut(transport: makeTransport(), forks: 1)
                .run("touch \(marker)", timeout: .seconds(10), on: [Testbed.host(Testbed.hostKeyHost, knownHosts: knownHosts)])
            let error = try #require(outcomes[0].result.failure)
            #expect(error.code == .hostKeyRevoked)
            #expect(error.message.contains("@revoked"))
            #expect(try await runOn(Testbed.hostKeyHost, "test -e \(marker)").exitStatus == 1)
        }

        @Test func refusedLoginNamesWhatWasTried() async throws {
            let directory = try temporaryDirectory()
            _ = try local("ssh-keygen -q -t ed25519 -N '' -f \(directory)/stranger")
            var host = Testbed.host(11)
            host.connection.identityFiles = [directory + "/stranger"]
            await #expect {
                _ = try await makeTransport().connect(to: host)
            } throws: { error in
                guard let error = error as? HostError else { return false }
                return error.code == .authRefused && error.message.contains("stranger") && error.message.contains("publickey")
            }
        }

        @Test func rsaKeyIsExplainedNotJustRefused() async throws {
            let directory = try temporaryDirectory()
            _ = try local("ssh-keygen -q -t rsa -b 2048 -N '' -f \(directory)/id_rsa")
            var host = Testbed.host(11)
            host.connection.identityFiles = [directory + "/id_rsa"]
            await #expect {
                _ = try await makeTransport().connect(to: host)
            } throws: { error in
                guard let error = error as? HostError else { return false }
                return error.code == .credentials && error.message.contains("an RSA key")
                    && error.message.contains("ssh-keygen -t ed25519")
            }
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

