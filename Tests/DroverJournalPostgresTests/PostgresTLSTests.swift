import DroverJournal
import DroverJournalPostgres
import DroverTestSupport
import Foundation
import Testing

/// TLS to the journal's server, against the real server and a real certificate: the test cluster runs with `ssl=on`
/// and a server certificate for `localhost` and `127.0.0.1` signed by a test CA (`Scripts/postgres`), and also
/// listens on 127.0.0.2, a name the certificate does not give. Whether a connection is encrypted is read from the
/// server's side (`pg_stat_ssl`).
@Suite("TLS to the journal's server", .serialized)
struct PostgresTLSTests {
    /// A fresh database reached at `host` with `query` (sslmode=…), as `drover --journal` would read the URL.
    func location(host: String, _ query: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws -> PostgresLocation
    {
        let fresh = try PostgresLocation.parse(try await PostgresTestCluster.freshDatabase("tls"))
        guard case .tcp(_, let port) = fresh.endpoint else { throw PostgresTestClusterError("the test cluster has no TCP port") }
        return try PostgresLocation.parse(
            "postgresql://\(fresh.user)@\(host):\(port)/\(fresh.database)?\(query)", environment: environment)
    }

    func open(_ location: PostgresLocation) async throws -> PostgresJournal {
        try await PostgresJournal.open(location, password: PasswordFile.password(for: location))
    }

    /// Whether each of the server's connections to `database` is encrypted.
    func encrypted(_ database: String) async throws -> [String?] {
        try await PostgresTestCluster.column(
            "SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = '\(database)'")
    }

    /// Whether the database holds a journal (the schema a first use creates).
    func hasJournal(_ database: String) async throws -> Bool {
        try await PostgresTestCluster.column(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = 'drover'", database: database
        ).count == 1
    }

    @Test func verifyFullWithTheServersCAConnectsEncryptedByNameAndByAddress() async throws {
        let ca = try PostgresTestCluster.certificateAuthority()
        for host in ["localhost", "127.0.0.1"] {
            let location = try await location(host: host, "sslmode=verify-full&sslrootcert=\(ca)")
            let journal = try await open(location)
            #expect(try await journal.runs(since: nil).isEmpty)
            #expect(try await journal.schemaVersion() > 0)
            #expect(try await encrypted(location.database) == ["true"], "\(host)")
            journal.close()
        }
    }

    @Test func verifyFullWithAnotherCAFailsWithASentenceAndChangesNothing() async throws {
        let other = try PostgresTestCluster.certificateAuthority(other: true)
        let location = try await location(host: "localhost", "sslmode=verify-full&sslrootcert=\(other)")
        let error = try await #require(throws: JournalError.self) { try await open(location) }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("TLS with the journal's server at \(location.server) failed"), "\(error.message)")
        #expect(error.message.contains("(its certificate is not signed by a CA Drover trusts)"), "\(error.message)")
        #expect(error.message.contains("checks the server's certificate against \(other) and its host name"))
        #expect(try await hasJournal(location.database) == false)
    }

    @Test func verifyFullToANameTheCertificateDoesNotGiveFails() async throws {
        let ca = try PostgresTestCluster.certificateAuthority()
        let location = try await location(host: "127.0.0.2", "sslmode=verify-full&sslrootcert=\(ca)")
        let error = try await #require(throws: JournalError.self) { try await open(location) }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("TLS with the journal's server at 127.0.0.2:"), "\(error.message)")
        #expect(error.message.contains("(its certificate is not for '127.0.0.2')"), "\(error.message)")
        #expect(try await hasJournal(location.database) == false)
    }

    @Test func requireEncryptsWithoutCheckingTheCertificate() async throws {
        // The name the certificate does not give, and no CA: require only asks for encryption.
        let location = try await location(host: "127.0.0.2", "sslmode=require")
        let journal = try await open(location)
        #expect(try await journal.runs(since: nil).isEmpty)
        #expect(try await encrypted(location.database) == ["true"])
        journal.close()
    }

    @Test func disableAndTheSocketStillWork() async throws {
        let plain = try await location(host: "127.0.0.1", "sslmode=disable")
        let journal = try await open(plain)
        #expect(try await journal.runs(since: nil).isEmpty)
        #expect(try await encrypted(plain.database) == ["false"])
        journal.close()

        // The cluster's socket directory sits beside its password file (Scripts/postgres: DIR/socket, DIR/pgpass).
        let admin = try PostgresLocation.parse(try PostgresTestCluster.adminURL())
        let passwords = try #require(ProcessInfo.processInfo.environment["PGPASSFILE"])
        let directory = URL(fileURLWithPath: passwords).deletingLastPathComponent().appendingPathComponent("socket").path
        guard case .tcp(_, let port) = admin.endpoint else {
            Issue.record("the test cluster has no TCP port")
            return
        }
        let socket = try PostgresLocation.parse(
            "postgresql://\(admin.user)@/\(plain.database)?host=\(directory)&port=\(port)")
        let overSocket = try await open(socket)
        #expect(try await overSocket.runs(since: nil).isEmpty)
        overSocket.close()
    }

    @Test func verifyFullWithoutARootTrustsRootCrtInHomeElseTheSystemsRoots() async throws {
        let home = NSTemporaryDirectory() + "drover-tls-home-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: home + "/.postgresql", withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home

        // No ~/.postgresql/root.crt: the system's roots, which do not know the test CA.
        let system = try await location(host: "localhost", "sslmode=verify-full", environment: environment)
        #expect(system.sslRootCertificate == nil)
        let error = try await #require(throws: JournalError.self) { try await open(system) }
        #expect(error.message.contains("against the system's trusted roots"), "\(error.message)")

        // libpq's default file, when it is there.
        try FileManager.default.copyItem(
            atPath: try PostgresTestCluster.certificateAuthority(), toPath: home + "/.postgresql/root.crt")
        let rootCrt = try await location(host: "localhost", "sslmode=verify-full", environment: environment)
        #expect(rootCrt.sslRootCertificate == home + "/.postgresql/root.crt")
        let journal = try await open(rootCrt)
        #expect(try await journal.runs(since: nil).isEmpty)
        journal.close()
        // sslrootcert=system asks for the system's roots even then.
        let explicit = try await location(host: "localhost", "sslmode=verify-full&sslrootcert=system", environment: environment)
        #expect(explicit.sslRootCertificate == nil)
    }
}
