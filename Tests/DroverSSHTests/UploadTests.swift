import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    @Suite("upload over real sshd", .timeLimit(.minutes(2)))
    struct UploadTests {
        init() throws { try Testbed.ensureUp() }

        @Test func fiftyMegabytesArriveIntactWithTheirMode() async throws {
            let directory = try temporaryDirectory()
            let source = directory + "/payload.bin"
            _ = try local("head -c 52428800 /dev/urandom > \(source)")
            let expected = try local("sha256sum \(source) | cut -d' ' -f1")
            let remote = "/srv/host/upload-\(UUID().uuidString).bin"
            let connection = try await makeTransport().connect(to: Testbed.host(Testbed.scratchHost))
            try await connection.upload(localPath: source, remotePath: remote, mode: 0o640)
            let check = try await connection.run("sha256sum \(remote) | cut -d' ' -f1; stat -c %a \(remote)", timeout: .seconds(30))
            #expect(check.stdout == "\(expected)\n640\n")
            // Only the final name is left: the temporary one was renamed away.
            let leftovers = try await connection.run("ls -a /srv/host | grep -c drover- || true", timeout: .seconds(10))
            #expect(leftovers.stdout == "0\n")
            _ = try await connection.run("rm -f \(remote)", timeout: .seconds(10))
            await connection.close()
        }

        @Test func replacesAnExistingFileAtomically() async throws {
            let directory = try temporaryDirectory()
            let source = directory + "/v2.txt"
            try "version 2\n".write(toFile: source, atomically: true, encoding: .utf8)
            let remote = "/srv/host/replace-\(UUID().uuidString).txt"
            let connection = try await makeTransport().connect(to: Testbed.host(Testbed.scratchHost))
            _ = try await connection.run("echo 'version 1' > \(remote); chmod 600 \(remote)", timeout: .seconds(10))
            try await connection.upload(localPath: source, remotePath: remote, mode: 0o755)
            let check = try await connection.run("cat \(remote); stat -c %a \(remote); rm -f \(remote)", timeout: .seconds(10))
            #expect(check.stdout == "version 2\n755\n")
            await connection.close()
        }

        @Test func uploadIntoAMissingDirectoryFailsClearly() async throws {
            let directory = try temporaryDirectory()
            let source = directory + "/f.txt"
            try "x".write(toFile: source, atomically: true, encoding: .utf8)
            let connection = try await makeTransport().connect(to: Testbed.host(Testbed.scratchHost))
            await #expect {
                try await connection.upload(localPath: source, remotePath: "/srv/host/no/such/dir/f.txt", mode: 0o644)
            } throws: { error in
                guard let error = error as? HostError else { return false }
                return error.code == .transfer && error.message.contains("no such directory")
            }
            // The session survives a failed upload.
            #expect(try await connection.run("true", timeout: .seconds(10)).exitStatus == 0)
            await connection.close()
        }
    }
}
