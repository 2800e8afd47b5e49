import Foundation

/// A program started in the background whose stdout is read line by line as it prints, so a test can act at an
/// exact point of its progress (e.g. SIGKILL a controller when a given step has started) without sleeping.
public final class RunningProcess: @unchecked Sendable {
    private let process = Process()
    private let reader: FileHandle
    private var buffer = Data()
    /// Every stdout line read so far.
    public private(set) var lines: [String] = []

    /// Starts `executable`; stdin is empty and stderr is discarded unless given (e.g. a pseudo-terminal's slave).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        standardInput: FileHandle = .nullDevice, standardError: FileHandle = .nullDevice
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = standardError
        process.standardInput = standardInput
        reader = out.fileHandleForReading
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// Reads lines (blocking) until one satisfies `predicate`, and returns it; nil if the program closed its
    /// stdout first.
    public func waitForLine(where predicate: (String) -> Bool) -> String? {
        while true {
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                lines.append(line)
                if predicate(line) { return line }
            }
            let chunk = reader.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    /// Sends `signal` and waits for the program to end; returns its termination status.
    @discardableResult
    public func kill(_ signal: Int32) -> Int32 {
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits for the program to end on its own; returns its termination status.
    public func wait() -> Int32 {
        _ = waitForLine { _ in false }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
