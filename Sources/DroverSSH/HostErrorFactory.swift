import DroverModel

/// The sentences Drover says when a host cannot be reached or used. One place, so they stay consistent.
enum HostErrorFactory {
    /// The session with `label` (`host007 (127.0.1.7)`) ended for a reason Drover itself knows (not libssh2's).
    static func connectionLost(_ label: String, _ detail: String) -> HostError {
        HostError(.connectionLost, "the SSH connection to \(label) was lost: \(detail)")
    }

    static func unreachable(_ label: String, _ detail: String) -> HostError {
        HostError(.unreachable, "\(label) is unreachable: \(detail)")
    }
}
