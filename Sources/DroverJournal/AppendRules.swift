/// The idempotency rule of appends at known sequence numbers, which every backend applies inside its transaction
/// (pure but for the `stored` lookup it is given).
public enum AppendRules {
    /// The leading entries a writer's append finds already stored as its own: from number `first` on, while the
    /// stored event has the same kind and payload (a retry after a lost commit acknowledgement). The rest of the
    /// entries are new and go after `head`.
    /// - Parameters:
    ///   - entries: kind and canonical payload of each entry, in order.
    ///   - head: how many events the run has.
    ///   - stored: the stored event at a number (nil when there is none).
    /// - Throws: `sequenceTaken` when another event stands at one of the numbers, or `first` is past the next free
    ///   number: nothing may be written.
    public static func alreadyStored(
        _ entries: [(kind: String, payload: String)], run: String, at first: Int, head: Int,
        stored: (Int) throws -> JournalEvent?
    ) throws -> [JournalEvent] {
        guard first >= 1, first <= head + 1 else { throw taken(run: run, sequence: first, head: head) }
        var ours: [JournalEvent] = []
        var number = first
        for entry in entries where number <= head {
            guard let event = try stored(number), event.kind == entry.kind, event.payload == entry.payload else {
                throw taken(run: run, sequence: number, head: head)
            }
            ours.append(event)
            number += 1
        }
        return ours
    }

    static func taken(run: String, sequence: Int, head: Int) -> JournalError {
        JournalError(
            .sequenceTaken,
            "run \(run) already has another event at \(sequence) (its chain has \(head) events): another writer "
                + "appended; re-read the head and append after it")
    }
}
