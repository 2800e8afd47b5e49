internal import CLibSSH2
import DroverModel

/// What to say about a server that did not complete the SSH handshake, from the bytes it sent. Pure.
extension ConnectOperation {
    /// SSH allows an identification line of at most 255 bytes, CR LF included (RFC 4253 §4.2).
    static let longestIdentification = 255

    /// The server's identification line as libssh2 took it, when it is one (libssh2 keeps the last line it read
    /// even when that was not an identification line).
    static func banner(_ session: OpaquePointer) -> String? {
        guard let text = libssh2_session_banner_get(session) else { return nil }
        let banner = String(cString: text)
        return banner.hasPrefix("SSH-") ? banner : nil
    }

    /// The handshake did not finish within `timeout`: why not, judged by what the server sent.
    /// - Parameters:
    ///   - received: bytes the server sent in all.
    ///   - first: the first of them.
    ///   - banner: its identification line, once one came.
    static func handshakeStalled(
        label: String, timeout: Duration, received: UInt64, first: [UInt8], banner: String?
    ) -> HostError {
        let within = "within \(timeout.formatted)"
        if received == 0 {
            return HostErrorFactory.unreachable(
                label,
                "the TCP connection opened but the server sent nothing \(within): sshd did not complete the SSH "
                    + "handshake (hung or overloaded?)")
        }
        if let banner {
            return HostErrorFactory.unreachable(
                label,
                "the server (\(PeerBytes.quote(Array(banner.utf8), limit: 64))) started the SSH key exchange but did "
                    + "not finish it \(within) (host hung or overloaded, or something in between stopped forwarding?)")
        }
        if let line = identificationStart(first) {
            if line.count >= longestIdentification { return identificationTooLong(label: label, first: first) }
            return HostErrorFactory.unreachable(
                label,
                "the server began an SSH identification line but did not finish it \(within) "
                    + "(\(PeerBytes.size(received)): \(PeerBytes.quote(line))): sshd overloaded, or a peer "
                    + "sending deliberately slowly?")
        }
        return notSSH(
            label: label, first: first, detail: "sent \(PeerBytes.size(received)) \(within) but no SSH identification line")
    }

    /// libssh2 gave up on the handshake: a sentence from what the server sent, or `otherwise` (what libssh2 and the
    /// socket say) when what it sent tells nothing.
    static func handshakeFailed(label: String, first: [UInt8], banner: String?, otherwise: HostError) -> HostError {
        guard !first.isEmpty else { return otherwise }
        var error = otherwise
        if let line = identificationStart(first) {
            if line.count >= longestIdentification { error = identificationTooLong(label: label, first: first) }
        } else if banner == nil {  // lines before the identification line are allowed
            error = notSSH(
                label: label, first: first,
                detail: "does not speak SSH: it sent something else where an SSH identification line belongs")
        }
        error.cause = otherwise.cause
        return error
    }

    /// The first line of `first` (without its end), when it is or may become an identification line: it starts
    /// with `SSH-`, or is still shorter than that and agrees with it so far.
    private static func identificationStart(_ first: [UInt8]) -> ArraySlice<UInt8>? {
        let prefix = Array("SSH-".utf8)
        guard first.starts(with: prefix) || (first.count < prefix.count && prefix.starts(with: first)) else {
            return nil
        }
        let end = first.firstIndex(of: UInt8(ascii: "\n")) ?? first.endIndex
        return first[..<end]
    }

    private static func identificationTooLong(label: String, first: [UInt8]) -> HostError {
        HostErrorFactory.unreachable(
            label,
            "the server's SSH identification line is longer than the \(longestIdentification) bytes SSH allows "
                + "(it began \(PeerBytes.quote(first))): not a real sshd?")
    }

    private static func notSSH(label: String, first: [UInt8], detail: String) -> HostError {
        HostErrorFactory.unreachable(
            label, "the server \(detail) (it began \(PeerBytes.quote(first))): is another service listening on that port?")
    }
}
