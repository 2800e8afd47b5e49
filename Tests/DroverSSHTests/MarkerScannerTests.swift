@testable import DroverSSH
import Testing

@Suite struct MarkerScannerTests {
    static let marker = Array("\nEND ".utf8)

    /// Feeds `text` in the given chunk sizes; returns the output passed on and what followed the marker.
    static func scan(_ text: String, chunks size: Int) -> (output: String, found: Bool, after: String) {
        var scanner = MarkerScanner(marker: marker)
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            output += scanner.feed(bytes[index..<min(index + size, bytes.count)])
            index += size
        }
        return (String(decoding: output, as: UTF8.self), scanner.found, String(decoding: scanner.held, as: UTF8.self))
    }

    @Test(arguments: 1...12)
    func findsTheMarkerWhereverTheChunksSplitIt(size: Int) {
        let result = Self.scan("line one\nline two\nEND 0\n", chunks: size)
        #expect(result.found)
        #expect(result.output == "line one\nline two")
        #expect(result.after == "0\n")
    }

    @Test(arguments: [1, 3, 64])
    func aPartialMarkerIsOutputOnceTheNextBytesShowItIsNot(size: Int) {
        let result = Self.scan("\nEN\nEND\n\nEND 7\n", chunks: size)
        #expect(result.found)
        #expect(result.output == "\nEN\nEND\n")
        #expect(result.after == "7\n")
    }

    @Test func withoutTheMarkerAllButAPossibleStartIsOutput() {
        var scanner = MarkerScanner(marker: Self.marker)
        let output = scanner.feed(Array("abc\nEN".utf8))
        #expect(String(decoding: output, as: UTF8.self) == "abc", "only what may begin the marker is held back")
        #expect(!scanner.found)
        #expect(scanner.held == Array("\nEN".utf8))
        #expect(scanner.feed(Array("X line\n".utf8)) == Array("\nENX line".utf8))
        #expect(scanner.held == Array("\n".utf8))
    }

    @Test func theMarkerAtTheVeryStartMeansNoOutput() {
        let result = Self.scan("\nEND 3\n", chunks: 64)
        #expect(result.found && result.output.isEmpty && result.after == "3\n")
    }

    @Test func bytesAfterTheMarkerAreKeptNotOutput() {
        var scanner = MarkerScanner(marker: Self.marker)
        _ = scanner.feed(Array("x\nEND 1".utf8))
        #expect(scanner.feed(Array("2\n".utf8)).isEmpty)
        #expect(String(decoding: scanner.held, as: UTF8.self) == "12\n")
    }

    @Test func whatFollowsTheMarkerIsKeptOnlyUpToTheStatusLine() {
        var scanner = MarkerScanner(marker: Self.marker)
        #expect(scanner.feed(Array("out\nEND 0\n".utf8)) == Array("out".utf8))
        for _ in 0..<1000 { #expect(scanner.feed([UInt8](repeating: 120, count: 4096)).isEmpty) }
        #expect(scanner.held.count == MarkerScanner.keptAfter)
        #expect(scanner.held.starts(with: Array("0\n".utf8)))
    }
}
