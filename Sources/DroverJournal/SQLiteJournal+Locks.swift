import DroverModel
import Foundation
import GRDB

extension SQLiteJournal {
    public func acquireLocks(_ request: LockRequest) throws -> [HostLock] {
        let moment = now()
        return try write("lock hosts for run \(request.run)") { db in
            var conflicts: [HostLock] = []
            for host in request.hosts {
                guard let held = try Self.lock(host: host, db: db), !held.isExpired(at: moment) else { continue }
                if held.run != request.run {
                    conflicts.append(held)
                } else if (held.controller != request.controller || held.pid != request.pid)
                    && !request.takeOverOwnRun
                {
                    conflicts.append(held)
                }
            }
            guard conflicts.isEmpty else { return conflicts }
            for host in request.hosts {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO host_locks (host, run_id, operator, controller, pid, acquired_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        host, request.run, request.operator, request.controller, request.pid,
                        EventChain.timestamp(moment), EventChain.timestamp(request.expiresAt),
                    ])
            }
            return []
        }
    }

    public func renewLocks(run: String, until: Date) throws {
        try write("renew the leases of run \(run)") { db in
            try db.execute(
                sql: "UPDATE host_locks SET expires_at = ? WHERE run_id = ?",
                arguments: [EventChain.timestamp(until), run])
        }
    }

    public func releaseLocks(run: String) throws {
        try write("release the leases of run \(run)") { db in
            try db.execute(sql: "DELETE FROM host_locks WHERE run_id = ?", arguments: [run])
        }
    }

    public func breakLocks(hosts: [String], by operator: String) throws -> [HostLock] {
        try write("break host leases") { db in
            var broken: [HostLock] = []
            for host in hosts {
                guard let held = try Self.lock(host: host, db: db) else { continue }
                try db.execute(sql: "DELETE FROM host_locks WHERE host = ?", arguments: [host])
                broken.append(held)
            }
            // One note per holding run, in that run's own chain.
            let byRun = Dictionary(grouping: broken, by: \.run)
            for (run, locks) in byRun.sorted(by: { $0.key < $1.key }) {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE id = ?", arguments: [run]) == true else {
                    continue
                }
                let names = locks.map(\.host).sorted()
                let note = JournalNote(
                    kind: .lockBroken,
                    text: "\(`operator`) broke the lease\(names.count == 1 ? "" : "s") of run \(run) "
                        + "(held by \(locks[0].operator)) on \(names.joined(separator: ", "))",
                    hosts: names, by: `operator`)
                _ = try self.append(.note(note), payload: try JournalEntry.note(note).canonicalPayload(), run: run, db: db)
            }
            return broken
        }
    }

    public func locks() throws -> [HostLock] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM host_locks ORDER BY host").map(Self.lock)
        }
    }

    static func lock(host: String, db: Database) throws -> HostLock? {
        try Row.fetchOne(db, sql: "SELECT * FROM host_locks WHERE host = ?", arguments: [host]).map(lock)
    }

    static func lock(_ row: Row) -> HostLock {
        HostLock(
            host: row["host"], run: row["run_id"], operator: row["operator"], controller: row["controller"],
            pid: row["pid"], acquiredAt: EventChain.date(row["acquired_at"]) ?? .distantPast,
            expiresAt: EventChain.date(row["expires_at"]) ?? .distantPast)
    }
}
