import GRDB
import GRDBSQLite

extension CirculationStore {
    // MARK: the gate's index

    /// Builds the in-memory index from `gate_keys` and installs it in `index` (cold start, and
    /// after an import). Reads one consistent snapshot in one pass over the compact table; the
    /// table is sized from the count the previous load recorded (a wrong guess only costs a
    /// rehash), because a `count(*)` first would read the whole table twice.
    @discardableResult
    public func loadIndex(into index: GateIndex) throws(CirculationError) -> IndexLoad {
        let load = try read("loading the gate index") { db -> IndexLoad in
            let expected = try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'gate_keys_count'") ?? 0
            let seq = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM item_changes") ?? 0
            let generation = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'generation'") ?? 0
            let builder = GateIndex.Builder(expectedCount: expected)
            let statement = try db.makeStatement(sql: "SELECT key, state FROM gate_keys")
            let s = statement.sqliteStatement
            var rc = sqlite3_step(s)
            while rc == SQLITE_ROW {
                builder.add(
                    UInt64(bitPattern: sqlite3_column_int64(s, 0)) & ~0xFF | UInt64(UInt8(truncatingIfNeeded: sqlite3_column_int64(s, 1))))
                rc = sqlite3_step(s)
            }
            sqlite3_reset(s)
            guard rc == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let entries = index.install(builder)
            return IndexLoad(entries: entries, changeSeq: seq, generation: generation, expected: expected)
        }
        // Remember the size for the next cold start (best effort: a read-only caller skips it).
        if abs(load.entries - load.expected) > load.expected / 20 {
            try? setMeta("gate_keys_count", Int64(load.entries))
        }
        return load
    }

    /// Stores the size hint the next `loadIndex` builds its table for (after a bulk load).
    static func recordGateKeyCount(_ db: Database) throws {
        try db.execute(
            sql:
                "INSERT INTO meta(name, value) VALUES ('gate_keys_count', (SELECT count(*) FROM gate_keys)) ON CONFLICT(name) DO UPDATE SET value = excluded.value"
        )
    }

    public func recordGateKeyCount() throws(CirculationError) {
        try write("counting gate keys") { db in try Self.recordGateKeyCount(db) }
    }

    /// Changes other processes journalled after `seq`, and the import generation.
    public func changes(
        after seq: Int64, limit: Int = 10_000
    ) throws(CirculationError) -> (changes: [(key: UInt64, entry: CacheEntry)], last: Int64, generation: Int64) {
        try read("reading item changes") { db in
            var last = seq
            var out: [(UInt64, CacheEntry)] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, key, state FROM item_changes WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
            while let r = try rows.next() {
                last = r["seq"]
                let k: Int64 = r["key"]
                let st: Int = r["state"]
                out.append((UInt64(bitPattern: k), CacheEntry(raw: UInt8(truncatingIfNeeded: st))))
            }
            let generation = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'generation'") ?? 0
            return (out, last, generation)
        }
    }

    static func bumpGeneration(_ db: Database) throws {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE name = 'generation'")
    }
}
