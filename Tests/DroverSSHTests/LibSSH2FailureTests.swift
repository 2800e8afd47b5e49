import CLibSSH2
import DroverModel
@testable import DroverSSH
import Foundation
import Testing

/// Every libssh2 error code that can reach a user becomes a sentence in words, with libssh2's name for it kept as the
/// machine-readable cause. Pure: no sockets.
@Suite struct LibSSH2FailureTests {
    static let label = "host002 (127.0.1.2)"

    /// Every code libssh2 1.10 defines (the shim names each one).
    static let codes: [Int32] = (-60...(-1)).filter { drover_libssh2_error_name($0) != nil }

    @Test func theShimNamesEveryCodeOfLibSSH2() {
        #expect(Self.codes.count == 49, "LIBSSH2_ERROR_SOCKET_NONE (-1) … LIBSSH2_ERROR_RANDGEN (-49)")
        #expect(LibSSH2.errorName(LIBSSH2_ERROR_SOCKET_RECV) == "LIBSSH2_ERROR_SOCKET_RECV")
        #expect(LibSSH2.errorName(-1000) == "libssh2 error -1000")
    }

    @Test(arguments: SSHActivity.allCases)
    func everyCodeIsASentenceNamingTheHostWithTheCodeKeptAside(_ activity: SSHActivity) {
        for code in Self.codes {
            let failure = LibSSH2Failure(code: code)
            let error = failure.hostError(label: Self.label, during: activity)
            let message = error.message
            #expect(message.contains(Self.label), "\(failure.name): \(message)")
            #expect(message.contains(activity.words), "\(failure.name): \(message)")
            #expect(!message.lowercased().contains("libssh2 error"), "\(failure.name): \(message)")
            #expect(!message.contains("LIBSSH2_"), "\(failure.name): \(message)")
            #expect(!message.contains("(\(code))") && !message.contains(" \(code)"), "\(failure.name): \(message)")
            #expect(message.hasSuffix(".") || message.hasSuffix("?") || message.hasSuffix(")"), "\(message)")
            #expect(error.cause == failure.name)
        }
    }

    @Test(arguments: [LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_RECV])
    func aConnectionTheHostClosedSaysSoAndGuessesWhy(_ code: Int32) {
        let failure = LibSSH2Failure(code: code, socketError: code == LIBSSH2_ERROR_SOCKET_RECV ? ECONNRESET : 0)
        let error = failure.hostError(label: Self.label, during: .command)
        #expect(error.code == .connectionLost)
        #expect(error.message == "the connection to host002 (127.0.1.2) was closed by the host during the command: "
            + "rebooted, or sshd killed?")
    }

    @Test func aConnectionThatTimedOutInTheNetworkSaysTheHostStoppedAnswering() {
        let error = LibSSH2Failure(code: LIBSSH2_ERROR_SOCKET_RECV, socketError: ETIMEDOUT)
            .hostError(label: Self.label, during: .command)
        #expect(error.code == .connectionLost)
        #expect(error.message.contains("stopped answering during the command"))
        #expect(error.message.contains(String(cString: strerror(ETIMEDOUT))))
    }

    @Test func duringTheHandshakeAFailureMeansUnreachable() {
        let error = LibSSH2Failure(code: LIBSSH2_ERROR_SOCKET_DISCONNECT).hostError(label: Self.label, during: .handshake)
        #expect(error.code == .unreachable)
        #expect(error.message.contains("was closed by the host during the SSH handshake"))
    }

    @Test func garbledDataIsNotCalledAClosedConnection() {
        for code in [LIBSSH2_ERROR_INVALID_MAC, LIBSSH2_ERROR_DECRYPT, LIBSSH2_ERROR_OUT_OF_BOUNDARY] {
            let error = LibSSH2Failure(code: code).hostError(label: Self.label, during: .command)
            #expect(error.message.contains("sent data that is not valid SSH"), "\(error.message)")
        }
    }

    @Test func aRefusedChannelPointsAtTheServersLimits() {
        let error = LibSSH2Failure(code: LIBSSH2_ERROR_CHANNEL_FAILURE).hostError(
            label: Self.label, during: .startingCommand)
        #expect(error.message.contains("refused"))
        #expect(error.message.contains("MaxSessions"))
    }

    @Test func peerBytesAreQuotedSafely() {
        #expect(PeerBytes.quote(Array("SSH-2.0-OpenSSH".utf8)) == "\"SSH-2.0-OpenSSH\"")
        #expect(PeerBytes.quote([0x1B, 0x5D, 0x30, 0x3B, 0x07, 0x22, 0x5C, 0xFF]) == "\"\\x1b]0;\\x07\\\"\\\\\\xff\"")
        #expect(PeerBytes.quote(Array(repeating: UInt8(ascii: "y"), count: 100), limit: 8) == "\"yyyyyyyy…\"")
        #expect(PeerBytes.size(14) == "14 bytes")
        #expect(PeerBytes.size(3_200_000) == "3.2 MB")
    }
}
