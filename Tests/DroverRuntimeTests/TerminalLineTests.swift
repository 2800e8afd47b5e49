import DroverRuntime
import Foundation
import Glibc
import Testing

/// The paused run's line reader over a pipe: one line at a time, the rest left for the next reader, the end of
/// input, and a cancelled read that leaves nothing behind to eat a later line.
@Suite(.timeLimit(.minutes(1))) struct TerminalLineTests {
    /// A pipe whose read end the reader gets; the test writes what a person would type.
    final class Typing {
        let read: Int32
        private(set) var write: Int32
        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            (read, write) = (ends[0], ends[1])
        }
        deinit {
            close(read)
            if write >= 0 { close(write) }
        }
        func type(_ text: String) {
            _ = Array(text.utf8).withUnsafeBytes { Glibc.write(write, $0.baseAddress, $0.count) }
        }
        /// Closes the write end once (a second close could close a descriptor another test opened meanwhile).
        func endInput() {
            close(write)
            write = -1
        }
    }

    @Test func eachReadTakesOneLineAndLeavesTheRest() async throws {
        let typing = try Typing()
        typing.type("rollback bad canary\ncontinue fine\n")
        #expect(try await TerminalLine.read(from: typing.read, tick: .milliseconds(10)) == "rollback bad canary")
        #expect(try await TerminalLine.read(from: typing.read, tick: .milliseconds(10)) == "continue fine")
    }

    @Test func theEndOfInputIsNilAndAnUnfinishedLineIsALine() async throws {
        let typing = try Typing()
        typing.type("continue")
        typing.endInput()
        #expect(try await TerminalLine.read(from: typing.read, tick: .milliseconds(10)) == "continue")
        #expect(try await TerminalLine.read(from: typing.read, tick: .milliseconds(10)) == nil)
    }

    @Test func aCancelledReadThrowsAndLeavesTheNextLineToTheNextReader() async throws {
        let typing = try Typing()
        let descriptor = typing.read
        let withdrawn = Task { try await TerminalLine.read(from: descriptor, tick: .milliseconds(10)) }
        withdrawn.cancel()
        await #expect(throws: CancellationError.self) { try await withdrawn.value }
        typing.type("rollback typed later\n")
        #expect(try await TerminalLine.read(from: typing.read, tick: .milliseconds(10)) == "rollback typed later")
    }

    @Test func aLineIsCutAtTheLongestItMayBe() async throws {
        let typing = try Typing()
        typing.type(String(repeating: "x", count: 10) + "\n")
        #expect(try await TerminalLine.read(from: typing.read, tick: .milliseconds(10), longest: 4) == "xxxx")
    }
}
