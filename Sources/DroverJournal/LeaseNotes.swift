/// The notes the journal writes about leases into their holders' chains (shared by every backend, pure).
public enum LeaseNotes {
    /// One `lock_broken` note per holding run, naming who broke which machines and whose they were.
    /// - Returns: (run, note) pairs, by run id.
    public static func broken(_ leases: [Lease], by operator: String) -> [(String, JournalNote)] {
        Dictionary(grouping: leases, by: \.holder.run).sorted { $0.key < $1.key }.map { run, held in
            let machines = held.sorted { $0.machine < $1.machine }
            let holder = held[0].holder
            let note = JournalNote(
                kind: .lockBroken,
                text: "\(`operator`) broke the lease\(machines.count == 1 ? "" : "s") of run \(run) (held by "
                    + "\(holder.operator), pid \(holder.pid) on \(holder.controller)) on "
                    + machines.map(\.label).joined(separator: "; "),
                hosts: machines.flatMap { $0.names.isEmpty ? [$0.machine] : $0.names }, by: `operator`)
            return (run, note)
        }
    }
}
