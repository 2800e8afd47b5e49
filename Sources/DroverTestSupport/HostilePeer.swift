import DroverModel

/// A listener that misbehaves as a broken or hostile SSH server can, started by `Scripts/testbed hostile`
/// (`Scripts/hostile-peer`): each kind on its own loopback address, 127.0.9.N:22, outside the hosts' range.
public enum HostilePeer: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// A first line that never ends: bytes without end, never a newline.
    case banner = 1
    /// Pseudo-random bytes (never NUL) without end.
    case garbage
    /// A valid identification line, one byte a second, never finished.
    case slowloris
    /// A proxy to host001's sshd that forwards both identification lines and both KEXINITs, then goes silent.
    case stallKex
    /// Accepts and never sends a byte.
    case silent
    /// `SSH-2.0-` and then a version string that never ends.
    case longBanner

    /// The kind's name in `Scripts/testbed` and `Scripts/hostile-peer`.
    public var description: String {
        switch self {
        case .banner: "banner"
        case .garbage: "garbage"
        case .slowloris: "slowloris"
        case .stallKex: "stall-kex"
        case .silent: "silent"
        case .longBanner: "long-banner"
        }
    }

    /// Its loopback address (port 22).
    public var address: String { "127.0.9.\(rawValue)" }

    /// The peer as an inventory host with the testbed's key and known_hosts (the peer never gets as far as
    /// either being used).
    public var host: Host {
        var host = Testbed.host(1)
        host.name = "hostile-\(description)"
        host.connection.address = address
        return host
    }
}

extension Testbed {
    /// Starts the hostile peers once per process (idempotent: peers already running are kept).
    /// - Throws: when they cannot be started; the tests that need them then fail rather than skip.
    public static func ensureHostilePeersUp() throws {
        try hostileStarted.get()
    }

    private static let hostileStarted: Swift.Result<Void, TestbedError> = {
        do {
            let result = try Subprocess.run(repositoryRoot + "/Scripts/testbed", ["hostile"])
            guard result.status == 0 else {
                return .failure(
                    TestbedError(message: "Scripts/testbed hostile failed:\n\(result.stdout)\n\(result.stderr)"))
            }
            return .success(())
        } catch {
            return .failure(TestbedError(message: "cannot run Scripts/testbed: \(error)"))
        }
    }()
}
