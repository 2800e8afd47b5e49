import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Makes processes open a journal one at a time (switch it to WAL, create or migrate the schema): an advisory
/// `flock(2)` on the directory that holds it.
///
/// Never on the database file itself: closing any descriptor of a file drops every POSIX record lock the process
/// holds on it, SQLite's included, and SQLite would then write without the locks it believes it has — the way to
/// corrupt a database that SQLite's own documentation warns of (seen here: "database disk image is malformed" once
/// a second controller wrote while the first ran).
struct OpeningLock {
    private let descriptor: Int32

    /// Takes the lock of `path`'s directory (which must exist), waiting up to `timeout` for another process's
    /// opening to end.
    /// - Throws: `JournalError` (`unavailable`) when the directory cannot be opened or the wait runs out.
    init(path: String, timeout: TimeInterval) throws {
        let parent = (path as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw JournalError(
                .unavailable, "cannot open the journal's directory \(directory): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        // A bounded wait: another controller's opening takes milliseconds; a wedged one must not hang this one.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(descriptor)
                throw JournalError(
                    .unavailable,
                    "cannot open the journal \(path): another controller has been opening it for over "
                        + "\(Int(timeout)) s (a controller stuck in its start?)")
            }
            usleep(5_000)
        }
        self.descriptor = descriptor
    }

    /// Lets the next process open the journal.
    func release() {
        close(descriptor)
    }
}
