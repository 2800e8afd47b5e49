import DroverModel

/// The sentences Drover says when a host cannot be reached or used. One place, so they stay consistent.
enum HostErrorFactory {
    static func connectionLost(_ detail: String) -> HostError {
        HostError(.connectionLost, "the SSH connection was lost: \(detail)")
    }

    static func unreachable(_ label: String, _ detail: String) -> HostError {
        HostError(.unreachable, "\(label) is unreachable: \(detail)")
    }

    static func protocolFailure(_ label: String, _ step: String, _ libssh2: (code: Int32, message: String))
        -> HostError
    {
        HostError(.connectionLost, "\(label): \(step) failed: \(libssh2.message) (libssh2 error \(libssh2.code))")
    }
}
