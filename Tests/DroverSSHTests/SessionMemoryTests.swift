import CLibSSH2
import Glibc
import Testing

/// libssh2 1.10 zeroes 45 KB per session (its packet buffers live inside the session); the connect path hands the
/// pages still all zero back to the kernel. These check that the pages really leave memory and still read as zero.
@Suite struct SessionMemoryTests {
    /// How many pages of [start, start + length) are resident, by mincore(2).
    static func residentPages(_ start: UnsafeMutableRawPointer, _ length: Int) -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let base = UnsafeMutableRawPointer(bitPattern: Int(bitPattern: start) & ~(page - 1))!
        let span = Int(bitPattern: start) + length - Int(bitPattern: base)
        var vector = [UInt8](repeating: 0, count: (span + page - 1) / page)
        #expect(mincore(base, span, &vector) == 0)
        return vector.filter { $0 & 1 == 1 }.count
    }

    @Test func aNewSessionsZeroedPagesLeaveMemoryAndTheSessionReadsTheSame() throws {
        let session = try #require(libssh2_session_init_ex(nil, nil, nil, nil))
        defer { libssh2_session_free(session) }
        let start = UnsafeMutableRawPointer(session)
        let length = malloc_usable_size(start)
        let contents = Array(UnsafeRawBufferPointer(start: start, count: length))
        let before = Self.residentPages(start, length)

        let released = drover_release_zero_pages(session)

        let after = Self.residentPages(start, length)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        #expect(released >= 32 * 1024, "the 16 KiB and 35 KB buffers are zero in a new session")
        #expect(after <= before - released / page)
        #expect(Array(UnsafeRawBufferPointer(start: start, count: length)) == contents, "the session reads the same")
    }
}
