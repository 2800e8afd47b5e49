import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (a port the kernel picks) for webhook tests: it records every request and
/// answers as told — 200, another status, or not at all (`hang`, until `stop()`). One request per connection
/// (`Connection: close`); one thread per connection. Loopback only, for tests only.
public final class HTTPReceiver: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: Data

        /// The body as a JSON object, when it is one.
        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        }
    }

    public enum Mode: Sendable {
        case answer(status: Int)
        /// Answer with this status and body (`application/json` when it starts with `{` or `[`).
        case reply(status: Int, body: String)
        /// Read the request, then never answer (until `stop()`).
        case hang
        /// Answer each request as the function says (a fake API: `StatuspageReceiver`).
        case handler(@Sendable (Request) -> (status: Int, body: String))
        public static let ok = Mode.answer(status: 200)
    }

    public let port: UInt16
    private let listener: Int32
    private let condition = NSCondition()
    private var storedRequests: [Request] = []
    private var storedMode: Mode = .ok
    private var stopped = false
    private var connections: Set<Int32> = []

    /// `http://127.0.0.1:PORT/hook/SECRET-TOKEN`: a URL with a path that must never be shown.
    public var url: String { "http://127.0.0.1:\(port)/hook/T0KEN-SECRET" }

    public var mode: Mode {
        get { condition.withLock { storedMode } }
        set { condition.withLock { storedMode = newValue } }
    }

    public var requests: [Request] { condition.withLock { storedRequests } }

    public init(mode: Mode = .ok) throws {
        storedMode = mode
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReceiverError(message: "socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ReceiverError(message: "bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit {
        stop()
    }

    /// Waits (at most `timeout`) until `count` requests have arrived; returns those recorded by then.
    @discardableResult
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) -> [Request] {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + 0.001)
        condition.lock()
        defer { condition.unlock() }
        while storedRequests.count < count, condition.wait(until: deadline) {}
        return storedRequests
    }

    /// `waitForRequests` for async tests: the wait happens on a thread of its own, so Swift's cooperative threads
    /// (which the code under test needs to make progress) are never blocked.
    @discardableResult
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async -> [Request] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                let requests: [Request] = waitForRequests(count, timeout: timeout)
                continuation.resume(returning: requests)
            }
        }
    }

    /// Closes the listener and every open connection (a hanging answer ends here).
    /// Idempotent: only the first call touches the sockets, and under the lock that `serve` takes before it closes
    /// a connection. The accept loop closes the listener once it is shut down; a descriptor number touched after
    /// its close may already belong to another test's socket.
    public func stop() {
        condition.withLock {
            guard !stopped else { return }
            stopped = true
            condition.broadcast()
            shutdown(listener, Int32(SHUT_RDWR))
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                break
            }
            let accepted = condition.withLock {
                guard !stopped else { return false }
                connections.insert(fd)
                return true
            }
            guard accepted else {
                close(fd)
                break
            }
            let thread = Thread { [self] in serve(fd) }
            thread.start()
        }
        close(listener)
    }

    private func serve(_ fd: Int32) {
        defer {
            condition.withLock { _ = connections.remove(fd) }
            close(fd)
        }
        guard let request = readRequest(fd) else { return }
        let mode = condition.withLock {
            storedRequests.append(request)
            condition.broadcast()
            return storedMode
        }
        switch mode {
        case .answer, .reply, .handler:
            var status = 200
            var body = ""
            if case .answer(let code) = mode {
                status = code
                body = status < 300 ? "ok" : "receiver told to fail"
            } else if case .reply(let code, let text) = mode {
                status = code
                body = text
            } else if case .handler(let answer) = mode {
                (status, body) = answer(request)
            }
            let type = body.hasPrefix("{") || body.hasPrefix("[") ? "application/json" : "text/plain"
            let response =
                "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Error")\r\nContent-Type: \(type)\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            let bytes = Array(response.utf8)
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { break }
                sent += count
            }
        case .hang:
            condition.lock()
            while !stopped { condition.wait() }
            condition.unlock()
        }
    }

    /// Reads one request: head up to the blank line, then `Content-Length` bytes of body (at most 1 MiB).
    private func readRequest(_ fd: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var headEnd: Int?
        var expected: Int?
        while true {
            if let end = headEnd, let length = expected, buffer.count >= end + length { break }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            buffer += chunk[..<count]
            guard buffer.count <= 1 << 20 else { return nil }
            if headEnd == nil, let range = Self.find([13, 10, 13, 10], in: buffer) {
                headEnd = range + 4
                let head = String(decoding: buffer[..<range], as: UTF8.self)
                let headers = Self.headers(head)
                expected = headers["content-length"].flatMap { Int($0) } ?? 0
                // curl asks before sending a larger body; a real server says go on.
                if headers["expect"]?.lowercased() == "100-continue" {
                    let reply = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    _ = reply.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
        let head = String(decoding: buffer[..<(headEnd! - 4)], as: UTF8.self)
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        return Request(
            method: parts.first.map(String.init) ?? "", path: parts.count > 1 ? String(parts[1]) : "",
            headers: Self.headers(head), body: Data(buffer[headEnd!..<(headEnd! + expected!)]))
    }

    private static func headers(_ head: String) -> [String: String] {
        var headers: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

public struct ReceiverError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
