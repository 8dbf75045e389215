import GRDB

extension CirculationStore {
    // MARK: hot list

    @discardableResult
    public func addHot(
        _ pii: String, reason: String, note: String? = nil, at now: Int64, journal: Bool
    ) throws(CirculationError) -> (key: UInt64, entry: CacheEntry) {
        try write("adding \(pii) to the hot list") { db in
            let key = CirculationKey.of(pii)
            try db.execute(
                sql:
                    "INSERT INTO hot_list(pii, key, reason, note, added_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(pii) DO UPDATE SET reason = excluded.reason, note = excluded.note",
                arguments: [pii, Int64(bitPattern: key), reason, note, now])
            let entry = CacheEntry(loan: try Self.loan(db, pii), hot: true)
            try Self.setGateKey(db, key: key, entry: entry, now: now, journal: journal)
            return (key, entry)
        }
    }

    @discardableResult
    public func removeHot(_ pii: String, at now: Int64, journal: Bool) throws(CirculationError) -> (key: UInt64, entry: CacheEntry) {
        try write("removing \(pii) from the hot list") { db in
            let key = CirculationKey.of(pii)
            try db.execute(sql: "DELETE FROM hot_list WHERE pii = ?", arguments: [pii])
            let entry = CacheEntry(loan: try Self.loan(db, pii), hot: false)
            try Self.setGateKey(db, key: key, entry: entry, now: now, journal: journal)
            return (key, entry)
        }
    }

    public func hotList() throws(CirculationError) -> [HotEntry] {
        try read("reading the hot list") { db in
            try Row.fetchAll(db, sql: "SELECT pii, reason, note, added_at FROM hot_list ORDER BY pii").map {
                HotEntry(pii: $0["pii"], reason: $0["reason"], note: $0["note"], addedAt: $0["added_at"])
            }
        }
    }

    static func hotEntry(_ db: Database, _ pii: String) throws -> HotEntry? {
        try Row.fetchOne(db, sql: "SELECT reason, note, added_at FROM hot_list WHERE pii = ?", arguments: [pii]).map {
            HotEntry(pii: pii, reason: $0["reason"], note: $0["note"], addedAt: $0["added_at"])
        }
    }

    static func loan(_ db: Database, _ pii: String) throws -> CacheEntry.Loan {
        guard let s = try String.fetchOne(db, sql: "SELECT loan_state FROM items WHERE pii = ?", arguments: [pii]) else { return .unknown }
        return (LoanState(rawValue: s) ?? .other).gateLoan
    }

    static func setGateKey(_ db: Database, key: UInt64, entry: CacheEntry, now: Int64, journal: Bool) throws {
        let k = Int64(bitPattern: key)
        if entry.isNone {
            try db.execute(sql: "DELETE FROM gate_keys WHERE key = ?", arguments: [k])
        } else {
            try db.execute(
                sql: "INSERT INTO gate_keys(key, state) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state",
                arguments: [k, Int(entry.raw)])
        }
        if journal {
            try db.execute(sql: "INSERT INTO item_changes(key, state, at) VALUES (?, ?, ?)", arguments: [k, Int(entry.raw), now])
        }
    }
}
