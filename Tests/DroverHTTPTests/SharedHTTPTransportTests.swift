import DroverHTTP
import DroverTestSupport
import Foundation
import Testing

/// The one HTTP client over a real loopback server (the test support's `HTTPReceiver`).
@Suite struct SharedHTTPTransportTests {
    let transport = SharedHTTPTransport()

    @Test func aPostArrivesWithItsHeadersAndBodyAndTheAnswerComesBack() async throws {
        let receiver = try HTTPReceiver(mode: .reply(status: 201, body: #"{"id":"s1"}"#))
        defer { receiver.stop() }
        let response = try await transport.send(
            HTTPRequest(
                method: "POST", url: receiver.url, headers: [("Content-Type", "application/json"), ("X-Token", "t")],
                body: Array(#"{"a":1}"#.utf8)))
        #expect(response.status == 201 && response.succeeded)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"id":"s1"}"#)
        #expect(response.header("content-type") == "application/json")
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST")
        #expect(request.headers["x-token"] == "t" || request.headers["X-Token"] == "t")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"a":1}"#)
    }

    @Test func anErrorStatusIsAnAnswerNotAFailure() async throws {
        let receiver = try HTTPReceiver(mode: .answer(status: 503))
        defer { receiver.stop() }
        let response = try await transport.send(HTTPRequest(url: receiver.url))
        #expect(response.status == 503 && !response.succeeded)
    }

    /// A closed port fails at once as refused (the client does not retry the connection until the deadline).
    @Test func aClosedPortIsUnreachableNotATimeout() async throws {
        let receiver = try HTTPReceiver()
        receiver.stop()
        let error = await #expect(throws: HTTPFailure.self) {
            try await transport.send(HTTPRequest(url: receiver.url, timeout: .seconds(30)))
        }
        #expect(error?.kind == .unreachable)
        #expect(error?.retryable == true)
        #expect(error?.message.contains("127.0.0.1") == false, "a failure never quotes the URL")
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let receiver = try HTTPReceiver(mode: .hang)
        defer { receiver.stop() }
        let error = await #expect(throws: HTTPFailure.self) {
            try await transport.send(HTTPRequest(url: receiver.url, timeout: .milliseconds(300)))
        }
        #expect(error?.kind == .timedOut)
        #expect(error?.message == "no answer within 300ms")
    }

    @Test(arguments: ["ftp://example/x", "not a url", "http://"])
    func aURLThatIsNotHTTPIsRefusedWithoutTrying(_ url: String) async throws {
        let error = await #expect(throws: HTTPFailure.self) { try await transport.send(HTTPRequest(url: url)) }
        #expect(error?.kind == .badURL && error?.retryable == false)
    }

    @Test func anAnswerLargerThanAllowedIsRefused() async throws {
        let receiver = try HTTPReceiver(mode: .reply(status: 200, body: String(repeating: "x", count: 5000)))
        defer { receiver.stop() }
        let error = await #expect(throws: HTTPFailure.self) {
            try await SharedHTTPTransport(maximumBody: 1000).send(HTTPRequest(url: receiver.url))
        }
        #expect(error?.kind == .tooLarge)
    }
}
