import DroverJournalPostgres
import Testing

/// Journal URLs and the password file, read as psql reads them (pure).
@Suite struct PostgresLocationTests {
    let environment = ["USER": "alice"]

    @Test func aTCPURLWithDefaults() throws {
        let location = try PostgresLocation.parse("postgresql://bob@db1/drover", environment: environment)
        #expect(location.user == "bob")
        #expect(location.endpoint == .tcp(host: "db1", port: 5432))
        #expect(location.database == "drover")
        #expect(location.sslMode == .prefer)
        #expect(location.server == "db1:5432")
    }

    @Test func sslModePortAndTheAccountNameAsUser() throws {
        let location = try PostgresLocation.parse(
            "postgres://127.0.0.1:55432/journal?sslmode=verify-full&sslrootcert=/etc/ca.pem", environment: environment)
        #expect(location.user == "alice")
        #expect(location.endpoint == .tcp(host: "127.0.0.1", port: 55432))
        #expect(location.sslMode == .verifyFull)
        #expect(location.sslRootCertificate == "/etc/ca.pem")
    }

    @Test func theSocketForms() throws {
        let encoded = try PostgresLocation.parse("postgresql://bob@%2Frun%2Fpg:5433/d", environment: environment)
        #expect(encoded.endpoint == .socket(directory: "/run/pg", port: 5433))
        let query = try PostgresLocation.parse("postgresql://bob@/d?host=/run/pg", environment: environment)
        #expect(query.endpoint == .socket(directory: "/run/pg", port: 5432))
        #expect(query.server == "/run/pg/.s.PGSQL.5432")
    }

    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() {
        let error = #expect(throws: PostgresLocationError.self) {
            try PostgresLocation.parse("postgresql://bob:hunter2@db1/drover", environment: environment)
        }
        #expect(error?.message.contains("PGPASSWORD") == true)
        #expect(error?.message.contains("hunter2") == false)
    }

    @Test func anUnknownSSLModeOrParameterIsNamed() {
        #expect(throws: PostgresLocationError.self) {
            try PostgresLocation.parse("postgresql://bob@db1/d?sslmode=sometimes", environment: environment)
        }
        let error = #expect(throws: PostgresLocationError.self) {
            try PostgresLocation.parse("postgresql://bob@db1/d?application=x", environment: environment)
        }
        #expect(error?.message.contains("'application'") == true)
    }

    @Test func thePasswordFileMatchesAsLibpqDoes() throws {
        let location = try PostgresLocation.parse("postgresql://bob@db1:5433/drover", environment: environment)
        let file = """
            # comment
            db1:5432:*:bob:wrong-port
            db1:5433:other:bob:wrong-db
            db*:5433:*:bob:no-globs
            db1:*:*:bob:pa\\:ss
            *:*:*:*:fallback
            """
        #expect(PasswordFile.lookup(file, for: location) == "pa:ss")
        #expect(PasswordFile.lookup("*:*:*:*:fallback", for: location) == "fallback")
        #expect(PasswordFile.lookup("db2:*:*:*:x", for: location) == nil)
    }
}
