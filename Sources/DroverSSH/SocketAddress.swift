internal import CLibSSH2  // the socket constants: the shim includes <sys/socket.h>, which then claims them
import DroverModel
import Foundation
import Synchronization

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

    /// What a name lookup gave: an address, or why there is none.
    enum Lookup: Sendable {
        case address(SocketAddress)
        case failed(String)
    }

    /// Resolves a name with the system resolver, off the caller's thread (getaddrinfo blocks, as long as the
    /// resolver's own timeouts say). The wait is bounded by `limit` (the connect timeout): past it the host is
    /// unreachable, and the lookup's thread is left to finish on its own, its answer dropped.
    /// - Parameter lookup: the resolver; tests give one that never answers.
    static func resolve(
        _ host: String, port: Int, label: String, within limit: Duration,
        lookup: @escaping @Sendable (String, Int) -> Lookup = systemLookup
    ) async throws -> SocketAddress {
        if let numeric = numeric(host, port: port) { return numeric }
        let waiting = Mutex<CheckedContinuation<SocketAddress, any Error>?>(nil)
        let finish: @Sendable (Result<SocketAddress, any Error>) -> Void = { result in
            waiting.withLock { $0.take() }?.resume(with: result)
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiting.withLock { $0 = continuation }
            DispatchQueue.global().async {
                switch lookup(host, port) {
                case .address(let address): finish(.success(address))
                case .failed(let reason): finish(.failure(HostErrorFactory.unreachable(label, reason)))
                }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + limit.seconds) {
                finish(.failure(HostErrorFactory.unreachable(
                    label,
                    "the name lookup of '\(host)' did not answer within \(limit.formatted) (the DNS servers in "
                        + "/etc/resolv.conf are slow or unreachable)")))
            }
        }
    }

    /// getaddrinfo, the first address it gives.
    @Sendable static func systemLookup(_ host: String, port: Int) -> Lookup {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, String(port), &hints, &result)
        defer { if result != nil { freeaddrinfo(result) } }
        guard rc == 0, let first = result, let sa = first.pointee.ai_addr else {
            return .failed("cannot resolve the name '\(host)' (\(String(cString: gai_strerror(rc))))")
        }
        var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        getnameinfo(sa, first.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
        let numericHost = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return numeric(numericHost, port: port).map(Lookup.address) ?? .failed("cannot resolve '\(host)'")
    }
}
