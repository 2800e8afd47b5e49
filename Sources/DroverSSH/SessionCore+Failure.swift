internal import CLibSSH2
import DroverModel

extension SessionCore {
    /// The session's last libssh2 failure, with what the socket under it saw, as a sentence placed by `activity`.
    func libssh2Failure(during activity: SSHActivity) -> HostError {
        let code = session.map { LibSSH2.lastError($0).code } ?? LIBSSH2_ERROR_SOCKET_DISCONNECT
        return LibSSH2Failure(code: code, socketError: io.pointee.socket_errno, peerClosed: io.pointee.peer_closed != 0)
            .hostError(label: label, during: activity)
    }

    /// The first bytes the server sent (at most 320).
    var firstBytesReceived: [UInt8] {
        withUnsafeBytes(of: &io.pointee.first) { Array($0.prefix(Int(io.pointee.first_length))) }
    }

    /// Bytes received from the server in all.
    var bytesReceived: UInt64 { UInt64(io.pointee.received) }
}
