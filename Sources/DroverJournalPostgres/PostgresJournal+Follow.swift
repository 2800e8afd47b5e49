import DroverJournal
import Foundation
import PostgresNIO

extension PostgresJournal {
    /// The channel every insert into `drover.events` notifies, with the run's id, when its transaction commits.
    static let eventsChannel = "drover_events"

    /// Follows a run pushed by the server: LISTEN on a connection of its own, and on each notification for the run
    /// (or each `heartbeat`, which also catches up on anything a lost notification hid) the events after the last
    /// one read. Listening starts before the first read, so nothing stored in between is missed.
    public func follow(run: String, after sequence: Int, heartbeat: Duration) -> AsyncThrowingStream<
        [JournalEvent], any Error
    > {
        let (stream, continuation) = AsyncThrowingStream<[JournalEvent], any Error>.makeStream()
        let link = self.link
        let logger = self.logger
        let location = self.location
        let task = Task {
            let connection: PostgresConnection
            do {
                connection = try await link.dedicatedConnection()
            } catch {
                continuation.finish(throwing: error)
                return
            }
            do {
                try await connection.listen(on: Self.eventsChannel) { notifications in
                    let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await notification in notifications where notification.payload == run {
                                wake.yield()
                            }
                            throw JournalError(
                                .unreachable, "the journal's server at \(location.server) stopped sending notifications")
                        }
                        group.addTask {
                            while true {
                                try await Task.sleep(for: heartbeat)
                                wake.yield()
                            }
                        }
                        group.addTask {
                            var last = sequence
                            var pending = true  // the first read catches up on what was stored before listening
                            var iterator = wakes.makeAsyncIterator()
                            while true {
                                if !pending {
                                    guard await iterator.next() != nil else { return }
                                }
                                pending = false
                                let events = try await Self.events(
                                    run: run, after: last, connection: connection, logger: logger)
                                if let newest = events.last { last = newest.sequence }
                                continuation.yield(events)
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(
                    throwing: PostgresFailure.journalError(
                        error, location: location, what: "follow run \(run)", code: .unavailable, password: nil))
            }
            try? await connection.close()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
