import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Holds the journal file while one process opens it (switches it to WAL, creates or migrates the schema): an
/// advisory `flock(2)` on the database file itself. It is independent of the POSIX record locks SQLite takes on the
/// same file, so it never stands in SQLite's way; it only makes openers wait their turn.
struct OpeningLock {
    private let descriptor: Int32

    /// Takes the lock, waiting up to `timeout` for another process's opening to end; creates the file if missing.
    /// - Throws: `JournalError` (`unavailable`) when the file cannot be created or the wait runs out.
    init(path: String, timeout: TimeInterval) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw JournalError(.unavailable, "cannot open the journal \(path): \(String(cString: strerror(errno)))")
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
