import DroverModel
import Foundation
import Subprocess
import SystemPackage

/// `delegate_to: localhost` (Ansible's implicit localhost, when the inventory names no host so): steps on the
/// controller itself, as local processes through swift-subprocess, without SSH. Everything else goes to `remote`.
///
/// A step's command runs under `/bin/sh -c` exactly as the engine built it (templates already shell-quoted), in a
/// session of its own, with drover's environment (the controller's credentials for `aws`, `kubectl`, …). At its
/// timeout the whole process group gets SIGTERM, then SIGKILL 2 s later, and the step fails `timed_out`. The last
/// 64 KiB of each stream are kept, as on a host.
struct ControllerTransport: HostTransport {
    let remote: any HostTransport

    func connect(to host: DroverModel.Host) async throws -> any HostConnection {
        host.isController ? LocalConnection() : try await remote.connect(to: host)
    }
}

/// One "session" with the controller: nothing to open or close.
struct LocalConnection: HostConnection {
    /// The most of each stream kept.
    static let tailLimit = 64 << 10
    /// How long the process group has after SIGTERM before SIGKILL.
    static let gracePeriod: Duration = .seconds(2)

    func run(
        _ command: String, input: [UInt8], timeout: Duration,
        output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?
    ) async throws -> CommandResult {
        let clock = ContinuousClock()
        let start = clock.now
        let options = Self.platformOptions
        let ran: (TerminationStatus, Tail, Tail)? = try await withThrowingTaskGroup(
            of: (TerminationStatus, Tail, Tail)?.self
        ) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath("/bin/sh")), arguments: ["-c", command], environment: .inherit,
                    platformOptions: options, input: .inputWriter, output: .sequence, error: .sequence
                ) { execution in
                    let writer = execution.standardInputWriter
                    async let written: Void = {
                        if !input.isEmpty { _ = try? await writer.write(input) }
                        try? await writer.finish()
                    }()
                    async let standardError: Tail = Self.collect(execution.standardError, .stderr, output)
                    let standardOutput = await Self.collect(execution.standardOutput, .stdout, output)
                    await written
                    return (standardOutput, await standardError)
                }
                return (result.terminationStatus, result.closureResult.0, result.closureResult.1)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil  // the timeout: cancelling the program's task runs the teardown above
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let (status, out, err) = ran else {
            throw HostError(.timedOut, "the command did not finish within \(DurationText.format(timeout)); stopped")
        }
        var exitStatus: Int32?
        var exitSignal: String?
        switch status {
        case .exited(let code): exitStatus = code
        case .signaled(let signal): exitSignal = Self.signalName(signal)
        }
        return CommandResult(
            exitStatus: exitStatus, exitSignal: exitSignal, stdoutTail: out.bytes, stderrTail: err.bytes,
            stdoutBytes: out.total, stderrBytes: err.total, duration: clock.now - start)
    }

    /// A session of its own, so the stop at the timeout reaches whatever the step started, and never drover.
    private static var platformOptions: PlatformOptions {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: gracePeriod)]
        return options
    }

    func upload(localPath: String, remotePath: String, mode: Int32) async throws {
        let manager = FileManager.default
        let temporary = remotePath + ".drover-\(UUID().uuidString.prefix(8))"
        do {
            try? manager.removeItem(atPath: temporary)
            try manager.copyItem(atPath: localPath, toPath: temporary)
            try manager.setAttributes([.posixPermissions: Int(mode)], ofItemAtPath: temporary)
            guard rename(temporary, remotePath) == 0 else {
                throw HostError(.transfer, "could not move the copy into place at \(remotePath) (errno \(errno))")
            }
        } catch let error as HostError {
            try? manager.removeItem(atPath: temporary)
            throw error
        } catch {
            try? manager.removeItem(atPath: temporary)
            throw HostError(.transfer, "could not copy \(localPath) to \(remotePath): \(error.localizedDescription)")
        }
    }

    func close() async {}

    /// The last `tailLimit` bytes of a stream and how many there were.
    struct Tail: Sendable {
        var bytes: [UInt8] = []
        var total = 0
    }

    private static func collect(
        _ sequence: SubprocessOutputSequence, _ stream: DroverModel.OutputStream,
        _ output: (@Sendable (DroverModel.OutputStream, [UInt8]) -> Void)?
    ) async -> Tail {
        var tail = Tail()
        do {
            for try await buffer in sequence {
                let chunk = buffer.withUnsafeBytes { Array($0) }
                output?(stream, chunk)
                tail.total += chunk.count
                tail.bytes += chunk
                if tail.bytes.count > tailLimit { tail.bytes.removeFirst(tail.bytes.count - tailLimit) }
            }
        } catch {
            // The program ended while a child of it still held the stream: what was read is kept.
        }
        return tail
    }

    /// `TERM` for 15: the name without `SIG`, as hosts report it.
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "HUP", SIGINT: "INT", SIGQUIT: "QUIT", SIGKILL: "KILL", SIGSEGV: "SEGV", SIGPIPE: "PIPE",
            SIGALRM: "ALRM", SIGTERM: "TERM", SIGABRT: "ABRT", SIGUSR1: "USR1", SIGUSR2: "USR2",
        ]
        return names[signal] ?? "\(signal)"
    }
}
