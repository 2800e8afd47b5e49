internal import CLibSSH2
import DroverModel
import Foundation

/// Writes a local file to a remote path over SFTP with the given mode and verifies the size that arrived.
///
/// The caller writes to a temporary name and renames it into place, so readers never see half a file.
final class UploadOperation: ContinuationOperation<Void>, ReactorOperation {
    private enum Phase { case initSFTP, open, write, setMode, verify, close }

    let deadline: ContinuousClock.Instant?
    private let localFD: Int32
    private let remotePath: [CChar]
    private let remotePathText: String
    private let mode: Int32
    private let size: Int
    private let label: String
    private var phase = Phase.initSFTP
    private var handle: OpaquePointer?
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var bufferStart = 0
    private var bufferEnd = 0
    private var sent = 0

    init(
        localFD: Int32, size: Int, remotePath: String, mode: Int32, timeout: Duration, label: String,
        continuation: CheckedContinuation<Void, any Error>
    ) {
        self.localFD = localFD
        self.size = size
        self.remotePath = Array(remotePath.utf8CString.dropLast())
        self.remotePathText = remotePath
        self.mode = mode
        self.label = label
        self.deadline = .now + timeout
        super.init(continuation: continuation)
    }

    deinit { close(localFD) }

    func advance(_ core: SessionCore, now: ContinuousClock.Instant) -> OperationStep {
        guard let session = core.session else {
            finish(.failure(HostErrorFactory.connectionLost(core.label, "the session was already closed")))
            return .finished
        }
        while true {
            switch phase {
            case .initSFTP:
                if core.sftp == nil {
                    core.sftp = libssh2_sftp_init(session)
                    if core.sftp == nil {
                        if LibSSH2.wouldBlock(session) { return core.blocked }
                        guard LibSSH2Failure(code: LibSSH2.lastError(session).code).kind == .refused else {
                            return failConnection(core)
                        }
                        return failTransfer(
                            "the server refused the SFTP subsystem (is `Subsystem sftp` set in its sshd_config?)")
                    }
                }
                phase = .open
            case .open:
                handle = remotePath.withUnsafeBufferPointer {
                    libssh2_sftp_open_ex(
                        core.sftp, $0.baseAddress, UInt32($0.count),
                        UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC), Int(mode & 0o7777),
                        LIBSSH2_SFTP_OPENFILE)
                }
                if handle == nil {
                    if LibSSH2.wouldBlock(session) { return core.blocked }
                    return fail(core, "cannot create \(remotePathText)")
                }
                phase = .write
            case .write:
                if bufferStart == bufferEnd {
                    let count = buffer.withUnsafeMutableBytes { pread(localFD, $0.baseAddress, $0.count, off_t(sent)) }
                    if count < 0 { return failTransfer("reading the local file: \(String(cString: strerror(errno)))") }
                    if count == 0 {
                        phase = .setMode
                        continue
                    }
                    bufferStart = 0
                    bufferEnd = count
                }
                // After EAGAIN libssh2 needs the same call with the same arguments: the window stays put.
                let written = buffer.withUnsafeBytes {
                    libssh2_sftp_write(
                        handle, $0.baseAddress!.advanced(by: bufferStart).assumingMemoryBound(to: CChar.self),
                        bufferEnd - bufferStart)
                }
                if written == LibSSH2.eagain { return core.blocked }
                if written < 0 { return fail(core, "writing") }
                bufferStart += written
                sent += written
            case .setMode:
                var attributes = LIBSSH2_SFTP_ATTRIBUTES()
                attributes.flags = UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS)
                attributes.permissions = UInt(mode & 0o7777)
                let rc = libssh2_sftp_fstat_ex(handle, &attributes, 1)
                if rc == LibSSH2.eagain { return core.blocked }
                if rc != 0 { return fail(core, "setting mode \(String(mode, radix: 8))") }
                phase = .verify
            case .verify:
                var attributes = LIBSSH2_SFTP_ATTRIBUTES()
                let rc = libssh2_sftp_fstat_ex(handle, &attributes, 0)
                if rc == LibSSH2.eagain { return core.blocked }
                if rc != 0 { return fail(core, "checking the size") }
                if Int(attributes.filesize) != size {
                    return failTransfer("\(attributes.filesize) bytes arrived instead of \(size) (disk full?)")
                }
                phase = .close
            case .close:
                let rc = libssh2_sftp_close_handle(handle)
                if rc == LibSSH2.eagain { return core.blocked }
                handle = nil
                if rc != 0 { return fail(core, "closing") }
                finish(.success(()))
                return .finished
            }
        }
    }

    func expire(_ core: SessionCore) -> Bool {
        finish(.failure(HostError(.transfer, "\(label): the upload did not finish in time (\(sent) of \(size) bytes)")))
        return false
    }

    /// `what` failed: the SFTP server's answer when it gave one (no such directory, permission denied, …), else the
    /// connection's failure.
    private func fail(_ core: SessionCore, _ what: String) -> OperationStep {
        guard let session = core.session, LibSSH2.lastError(session).code == LIBSSH2_ERROR_SFTP_PROTOCOL,
            let sftp = core.sftp
        else { return failConnection(core) }
        let answer: String
        switch libssh2_sftp_last_error(sftp) {
        case UInt(LIBSSH2_FX_NO_SUCH_FILE), UInt(LIBSSH2_FX_NO_SUCH_PATH): answer = "no such directory"
        case UInt(LIBSSH2_FX_PERMISSION_DENIED): answer = "permission denied"
        case UInt(LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM), UInt(LIBSSH2_FX_QUOTA_EXCEEDED): answer = "no space left on the disk"
        case let status: answer = "the SFTP server answered status \(status)"
        }
        return failTransfer("\(what): \(answer)")
    }

    /// The connection failed under the upload: the session is spent.
    private func failConnection(_ core: SessionCore) -> OperationStep {
        let error = core.libssh2Failure(during: .upload)
        finish(.failure(error))
        core.teardown(error)
        return .finished
    }

    private func failTransfer(_ detail: String) -> OperationStep {
        finish(.failure(HostError(.transfer, "\(label): upload failed: \(detail)")))
        return .finished
    }
}

/// Closes a session politely (SFTP shutdown, SSH disconnect), bounded by a short deadline.
final class CloseOperation: ContinuationOperation<Void>, ReactorOperation {
    let deadline: ContinuousClock.Instant? = .now + .seconds(2)
    private var sftpDone = false

    func advance(_ core: SessionCore, now: ContinuousClock.Instant) -> OperationStep {
        if let session = core.session {
            if !sftpDone, let sftp = core.sftp {
                if libssh2_sftp_shutdown(sftp) == LibSSH2.eagain { return core.blocked }
                core.sftp = nil
            }
            sftpDone = true
            let rc = libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "drover done", "")
            if rc == LibSSH2.eagain { return core.blocked }
        }
        finish(.success(()))
        core.teardown(nil)
        return .finished
    }

    func expire(_ core: SessionCore) -> Bool {
        finish(.success(()))
        return false
    }
}
