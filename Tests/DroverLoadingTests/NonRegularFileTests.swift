import DroverModel
import Foundation
import Testing

@testable import DroverLoading

/// A FIFO (or any other file that is not a regular file) given as an input is refused with a sentence; opening a FIFO
/// that has no writer used to block `validate`, `plan` and `hosts` forever.
@Suite struct NonRegularFileTests {
    /// Every place a file is read, with a FIFO there: what is loaded, and the path named in the refusal.
    enum Role: String, CaseIterable, CustomTestStringConvertible {
        case playbook, inventory, groupVars, hostVars, policy, sshConfig, sshConfigInclude, noticeTemplate, limitFile
        case validateKind

        var testDescription: String { rawValue }
    }

    @Test(arguments: Role.allCases)
    func fifoIsRefusedWithASentenceNotAHang(role: Role) throws {
        let directory = NSTemporaryDirectory() + "drover-fifo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/group_vars", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/host_vars", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inventory = directory + "/hosts.ini"
        try "[web]\nweb1 ansible_host=127.0.0.1\n".write(toFile: inventory, atomically: true, encoding: .utf8)
        let fifo: String
        switch role {
        case .groupVars: fifo = directory + "/group_vars/web.yml"
        case .hostVars: fifo = directory + "/host_vars/web1"
        case .noticeTemplate: fifo = directory + "/started.mustache"
        default: fifo = directory + "/fifo.yml"
        }
        #expect(mkfifo(fifo, 0o600) == 0)

        let messages = try #require(
            Self.finishes(unblocking: fifo) {
                Self.load(role, fifo: fifo, directory: directory, inventory: inventory)
            }, "loading blocked on the FIFO")
        if role == .validateKind {
            // Telling the file's kind reads nothing it cannot; the loader then refuses it.
            #expect(messages == ["playbook"])
            return
        }
        #expect(messages.count == 1, "\(messages)")
        #expect(messages.first?.contains("is a named pipe (FIFO), not a regular file") == true, "\(messages)")
        // Named by its path, or at the line that names it (the Include's path is quoted, shortened).
        let named = role == .noticeTemplate ? "policy.yml:4:33:" : role == .sshConfigInclude ? "config:1:9: Include" : fifo
        #expect(messages.first?.contains(named) == true, "\(messages)")
    }

    @Test func aCharacterDeviceIsNotReadEither() {
        #expect(throws: LoadErrors.self) { try PlaybookLoader().load(path: "/dev/zero") }
        do {
            _ = try PlaybookLoader().load(path: "/dev/zero")
        } catch let errors as LoadErrors {
            #expect(
                errors.errors.map(\.description)
                    == ["/dev/zero: is a character device, not a regular file; a playbook must be a regular file"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// The messages loading gives (empty when it loads); for `.validateKind`, the kind told.
    private static func load(_ role: Role, fifo: String, directory: String, inventory: String) -> [String] {
        do {
            switch role {
            case .playbook: _ = try PlaybookLoader().load(path: fifo)
            case .inventory: _ = try InventoryLoader(homeDirectory: nil).load(path: fifo, defaultUser: "deploy")
            case .groupVars, .hostVars: _ = try InventoryLoader(homeDirectory: nil).load(path: inventory, defaultUser: "deploy")
            case .policy: _ = try PolicyLoader().load(path: fifo)
            case .sshConfig: _ = try SSHConfig.load(path: fifo, homeDirectory: directory)
            case .sshConfigInclude:
                _ = try SSHConfig.parse(text: "Include \(fifo)\n", path: directory + "/config", homeDirectory: directory)
            case .noticeTemplate:
                let policy = directory + "/policy.yml"
                try """
                    environments: { production: {} }
                    notify:
                      targets: [{ command: /bin/true }]
                      templates: { started: { file: started.mustache } }
                    """.write(toFile: policy, atomically: true, encoding: .utf8)
                _ = try PolicyLoader().load(path: policy)
            case .limitFile: _ = try HostPatternLoader.load("@" + fifo)
            case .validateKind: return [InputKind.of(path: fifo).rawValue]
            }
            return []
        } catch let errors as LoadErrors {
            return errors.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    /// Runs `work` on a thread of its own and gives its result, or nil when it is still blocked after 20 s (a bound
    /// that only catches a hang: the loads take milliseconds). A blocked thread is then freed by opening the FIFO for
    /// writing once, so the test ends either way.
    private static func finishes(unblocking fifo: String, _ work: @escaping @Sendable () -> [String]) -> [String]? {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        Thread.detachNewThread {
            box.value = work()
            done.signal()
        }
        if done.wait(timeout: .now() + 20) == .success { return box.value }
        let writer = open(fifo, O_WRONLY | O_NONBLOCK)
        if writer >= 0 { close(writer) }
        _ = done.wait(timeout: .now() + 20)
        return nil
    }

    private final class Box: @unchecked Sendable {
        var value: [String]?
    }
}
