internal import CLibSSH2  // the socket constants: the shim includes <sys/socket.h>, which then claims them
import DroverModel
import Foundation

/// A resolved IPv4 or IPv6 address and port.
struct SocketAddress: Sendable, CustomStringConvertible {
    private var storage = sockaddr_storage()
    private(set) var length: socklen_t = 0
    let description: String

    var family: Int32 { Int32(storage.ss_family) }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// A numeric address without a lookup, or nil when `host` is a name.
    static func numeric(_ host: String, port: Int) -> SocketAddress? {
        var address = SocketAddress(description: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            sin.sin_addr = v4
            withUnsafeMutableBytes(of: &address.storage) { dst in withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) } }
            address.length = socklen_t(MemoryLayout<sockaddr_in>.size)
            return address
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
            sin6.sin6_addr = v6
            withUnsafeMutableBytes(of: &address.storage) { dst in withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) } }
            address.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            return address
        }
        return nil
    }

    private init(description: String) { self.description = description }

    /// Resolves a name with the system resolver, off the caller's thread (getaddrinfo blocks).
    static func resolve(_ host: String, port: Int, label: String) async throws -> SocketAddress {
        if let numeric = numeric(host, port: port) { return numeric }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>? = nil
                let rc = getaddrinfo(host, String(port), &hints, &result)
                defer { if result != nil { freeaddrinfo(result) } }
                guard rc == 0, let first = result, let sa = first.pointee.ai_addr else {
                    let reason = String(cString: gai_strerror(rc))
                    continuation.resume(
                        throwing: HostErrorFactory.unreachable(label, "cannot resolve the name '\(host)' (\(reason))"))
                    return
                }
                var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                getnameinfo(sa, first.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
                let numericHost = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                if let address = numeric(numericHost, port: port) {
                    continuation.resume(returning: address)
                } else {
                    continuation.resume(throwing: HostErrorFactory.unreachable(label, "cannot resolve '\(host)'"))
                }
            }
        }
    }
}
