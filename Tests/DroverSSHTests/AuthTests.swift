import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// Login methods other than the testbed's plain ed25519 key. Each test authorises its own new key.
    @Suite("login methods over real sshd", .timeLimit(.minutes(2)))
    struct AuthTests {
        init() throws { try Testbed.ensureUp() }

        /// Makes a key pair and adds its public half to the testbed's authorized_keys.
        private func authorizedKey(type: String, passphrase: String = "") throws -> String {
            let path = try temporaryDirectory() + "/id_\(type)"
            _ = try local("ssh-keygen -q -t \(type) -N \(ShellQuote.quote(passphrase)) -f \(path)")
            _ = try local("cat \(path).pub >> \(Testbed.directory)/authorized_keys")
            return path
        }

        private func host(key: String) -> DroverModel.Host {
            var host = Testbed.host(14)
            host.connection.identityFiles = [key]
            return host
        }

        @Test func logsInWithAnECDSAKey() async throws {
            let key = try authorizedKey(type: "ecdsa")
            let connection = try await makeTransport().connect(to: host(key: key))
            #expect(try await connection.run("cat /srv/host/name", timeout: .seconds(10)).stdout == "host014\n")
            await connection.close()
        }

        @Test func readsAKeyPassphraseFromTheNamedVariable() async throws {
            let key = try authorizedKey(type: "ed25519", passphrase: "correct horse")
            let variable = "DROVER_TEST_PASSPHRASE_\(UInt32.random(in: 0...UInt32.max))"
            setenv(variable, "correct horse", 1)
            var target = host(key: key)
            target.connection.passphraseEnvironment = variable
            let connection = try await makeTransport().connect(to: target)
            #expect(try await connection.run("true", timeout: .seconds(10)).exitStatus == 0)
            await connection.close()
        }

        @Test func wrongPassphraseIsACredentialsErrorThatNeverShowsTheSecret() async throws {
            let key = try authorizedKey(type: "ed25519", passphrase: "right one")
            let variable = "DROVER_TEST_PASSPHRASE_\(UInt32.random(in: 0...UInt32.max))"
            setenv(variable, "wrong-secret-value", 1)
            var target = host(key: key)
            target.connection.passphraseEnvironment = variable
            await #expect {
                _ = try await makeTransport().connect(to: target)
            } throws: { error in
                guard let error = error as? HostError else { return false }
                return error.code == .credentials && error.message.contains("wrong passphrase")
                    && !error.message.contains("wrong-secret-value")
            }
        }

        @Test func encryptedKeyWithoutAPassphraseSaysHowToGiveOne() async throws {
            let key = try authorizedKey(type: "ed25519", passphrase: "unused")
            await #expect {
                _ = try await makeTransport().connect(to: host(key: key))
            } throws: { error in
                guard let error = error as? HostError else { return false }
                return error.code == .credentials && error.message.contains("drover_passphrase_env")
            }
        }

        @Test func logsInWithAKeyHeldBySSHAgent() async throws {
            let directory = try temporaryDirectory()
            let agentKey = try authorizedKey(type: "ed25519")
            let socket = directory + "/agent.sock"
            // Our own child in the foreground (-D), stopped by its PID; its first output means it listens.
            let agent = Process()
            agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
            agent.arguments = ["-D", "-a", socket]
            let announcement = Pipe()
            agent.standardOutput = announcement
            try agent.run()
            defer {
                // SIGKILL: a child spawned from a Swift worker thread may inherit a mask that blocks SIGTERM.
                kill(agent.processIdentifier, SIGKILL)
                agent.waitUntilExit()
            }
            #expect(!announcement.fileHandleForReading.availableData.isEmpty)
            _ = try local("SSH_AUTH_SOCK=\(socket) ssh-add -q \(agentKey)")
            // The only key file offered is not authorised: login can succeed only through the agent.
            let stranger = directory + "/stranger"
            _ = try local("ssh-keygen -q -t ed25519 -N '' -f \(stranger)")
            let transport = SSHTransport(options: SSHOptions(connectTimeout: .seconds(30), agentSocket: socket))
            let connection = try await transport.connect(to: host(key: stranger))
            #expect(try await connection.run("true", timeout: .seconds(10)).exitStatus == 0)
            await connection.close()
        }
    }
}
