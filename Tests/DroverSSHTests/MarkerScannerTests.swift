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

    /// Output made of newlines, pieces of the marker and other bytes, cut into chunks of random sizes: what comes
    /// out is exactly what came before the marker, and what follows it is kept.
    @Test(arguments: 0..<50)
    func randomOutputCutAnywhereComesOutWhole(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let pieces: [[UInt8]] = [[10], [10, 10], Array("\nEN".utf8), Array("\nEND".utf8), Array("x".utf8), [0], [255]]
        var output: [UInt8] = []
        for _ in 0..<next(200) { output += pieces[next(pieces.count)] }
        let whole = output + Self.marker + Array("5\n".utf8)
        var scanner = MarkerScanner(marker: Self.marker)
        var passed: [UInt8] = []
        var index = 0
        while index < whole.count {
            let size = 1 + next(9)
            passed += scanner.feed(whole[index..<min(index + size, whole.count)])
            index += size
        }
        #expect(scanner.found)
        #expect(passed == output)
        #expect(scanner.held == Array("5\n".utf8))
    }
}
