import GRDB
import GRDBSQLite

/// Writes item rows and their gate keys with prepared statements (one transaction's worth).
/// Binds through SQLite's C API: GRDB's per-row argument arrays cost more than the inserts
/// themselves at import scale (10 M rows).
struct ItemWriter {
    let db: Database
    let source: ItemSource
    let now: Int64
    let journal: Bool
    let upsertItem: Statement
    let upsertKey: Statement
    let hot: Statement
    /// No hot-list lookups per row when the hot list is empty (the common import case).
    let hotListEmpty: Bool

    init(_ db: Database, source: ItemSource, now: Int64, journal: Bool) throws {
        self.db = db
        self.source = source
        self.now = now
        self.journal = journal
        upsertItem = try db.cachedStatement(
            sql: """
                INSERT INTO items(pii, key, owner_isil, loan_state, due_date, title, updated_at, source, call_number, shelf_location)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(pii) DO UPDATE SET owner_isil = coalesce(excluded.owner_isil, owner_isil),
                  loan_state = excluded.loan_state, due_date = excluded.due_date,
                  title = coalesce(excluded.title, title), updated_at = excluded.updated_at, source = excluded.source,
                  call_number = coalesce(excluded.call_number, call_number),
                  shelf_location = coalesce(excluded.shelf_location, shelf_location)
                """)
        upsertKey = try db.cachedStatement(
            sql: "INSERT INTO gate_keys(key, state) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state")
        hot = try db.cachedStatement(sql: "SELECT 1 FROM hot_list WHERE pii = ?")
        hotListEmpty = try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT 1 FROM hot_list LIMIT 1)") == 0
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always)
    private func bind(_ s: OpaquePointer, _ i: Int32, _ text: String?) {
        guard var text else { sqlite3_bind_null(s, i); return }
        text.withUTF8 { buf in
            _ = buf.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(s, i, $0.baseAddress, Int32($0.count), Self.transient) }
        }
    }

    private func step(_ s: OpaquePointer) throws -> Bool {
        let rc = sqlite3_step(s)
        if rc == SQLITE_ROW { return true }
        guard rc == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(s)
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
        return false
    }

    /// Writes a batch: the item rows in the caller's order, then their gate keys in key order
    /// (the B-tree then fills page by page instead of at random: imports run faster and the
    /// table's pages lie closer together for the cold start's scan).
    func write(_ updates: [ItemUpdate]) throws -> [(key: UInt64, entry: CacheEntry)] {
        var out: [(key: UInt64, entry: CacheEntry)] = []
        out.reserveCapacity(updates.count)
        for u in updates { out.append(try writeItem(u)) }
        let order = out.indices.sorted { a, b in
            let ka = Int64(bitPattern: out[a].key), kb = Int64(bitPattern: out[b].key)
            return ka != kb ? ka < kb : a < b  // the later update of a key is written last
        }
        let sk = upsertKey.sqliteStatement
        for i in order {
            let k = Int64(bitPattern: out[i].key)
            sqlite3_reset(sk)
            sqlite3_bind_int64(sk, 1, k)
            sqlite3_bind_int64(sk, 2, Int64(out[i].entry.raw))
            _ = try step(sk)
            sqlite3_reset(sk)
        }
        if journal {
            for (key, entry) in out {
                try db.execute(
                    sql: "INSERT INTO item_changes(key, state, at) VALUES (?, ?, ?)",
                    arguments: [Int64(bitPattern: key), Int(entry.raw), now])
            }
        }
        return out
    }

    /// The item row only; returns its key and the entry its gate key must get.
    private func writeItem(_ u: ItemUpdate) throws -> (key: UInt64, entry: CacheEntry) {
        let key = CirculationKey.of(u.pii)
        let k = Int64(bitPattern: key)
        let si = upsertItem.sqliteStatement
        sqlite3_reset(si)
        bind(si, 1, u.pii)
        sqlite3_bind_int64(si, 2, k)
        bind(si, 3, u.ownerISIL)
        bind(si, 4, u.loanState.rawValue)
        bind(si, 5, u.dueDate)
        bind(si, 6, u.title)
        sqlite3_bind_int64(si, 7, now)
        bind(si, 8, source.rawValue)
        bind(si, 9, u.callNumber)
        bind(si, 10, u.shelfLocation)
        _ = try step(si)
        sqlite3_reset(si)

        var isHot = false
        if !hotListEmpty {
            let sh = hot.sqliteStatement
            sqlite3_reset(sh)
            bind(sh, 1, u.pii)
            isHot = try step(sh)
            sqlite3_reset(sh)
        }
        return (key, CacheEntry(loan: u.loanState.gateLoan, hot: isHot))
    }
}
