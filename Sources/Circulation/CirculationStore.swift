import GRDB
import GRDBSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One item as the store holds it.
public struct StoredItem: Sendable, Equatable {
    public var pii: String
    public var ownerISIL: String?
    public var loanState: LoanState
    public var dueDate: String?
    public var title: String?
    public var updatedAt: Int64
    public var source: String
    public var hot: HotEntry?
}

/// A change to one item's record (from a station, the sync, a CSV row or the CLI).
public struct ItemUpdate: Sendable, Equatable {
    public var pii: String
    public var loanState: LoanState
    public var dueDate: String?
    public var title: String?
    public var ownerISIL: String?

    public init(pii: String, loanState: LoanState, dueDate: String? = nil, title: String? = nil, ownerISIL: String? = nil) {
        self.pii = pii
        self.loanState = loanState
        self.dueDate = dueDate
        self.title = title
        self.ownerISIL = ownerISIL
    }
}

/// An item that must always alarm (stolen, missing).
public struct HotEntry: Sendable, Equatable {
    public var pii: String
    public var reason: String
    public var note: String?
    public var addedAt: Int64
}

/// What loading the index from disk found.
public struct IndexLoad: Sendable {
    public var entries: Int
    /// The last `item_changes` row already reflected in the index.
    public var changeSeq: Int64
    public var generation: Int64
    /// The size the table was built for (from the previous load).
    public var expected: Int = 0
}

/// The circulation store: one SQLite file in WAL mode, opened through GRDB.
///
/// - One writer: GRDB's `DatabasePool` serialises writes on one connection; readers (CLI
///   look-ups, index loads) run beside it on WAL snapshots.
/// - Durability is per connection: the daemon opens with `.full` (synchronous=FULL: each
///   commit fsyncs the WAL, so an alarm reported on stdout survives even a power cut; the
///   daemon commits a few times a minute, so the fsyncs cost nothing that matters), imports
///   with `.normal` (synchronous=NORMAL: a crash of the process never loses a commit, a
///   power cut may roll back the last batches, together with their recorded progress, so the
///   import resumes consistently; thousands of batch commits would otherwise each wait on flash).
public final class CirculationStore: Sendable {
    public enum Durability: Sendable { case full, normal }

    public let path: String
    public let pool: DatabasePool
    public let durability: Durability

    /// Opens (creating it and its directory if needed) and migrates the store at `path`.
    public init(path: String, durability: Durability = .full, cacheMiB: Int = 8) throws(CirculationError) {
        self.path = path
        self.durability = durability
        try Self.makeParentDirectory(of: path)
        var config = Configuration()
        config.busyMode = .timeout(10)
        let sync = durability == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(sync); PRAGMA foreign_keys = ON; PRAGMA cache_size = -\(cacheMiB * 1024)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Schema.migrator.migrate(pool)
        } catch {
            throw CirculationError.database(path, "opening", error)
        }
    }

    /// Opens an existing store for reading and writing; a missing file is an error that says
    /// how to create one (so a typo in a CLI path does not create an empty cache).
    public static func openExisting(path: String, durability: Durability = .full) throws(CirculationError) -> CirculationStore {
        guard access(path, F_OK) == 0 else {
            throw CirculationError("no circulation cache at \(path): start rfidgated once or run rfidgatectl cache import, or pass --db PATH")
        }
        return try CirculationStore(path: path, durability: durability)
    }

    static func makeParentDirectory(of path: String) throws(CirculationError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var dir = ""
        for part in path[..<slash].split(separator: "/", omittingEmptySubsequences: false) {
            dir += dir.isEmpty && part.isEmpty ? "/" : (dir.isEmpty || dir == "/" ? "" : "/") + part
            if part.isEmpty { continue }
            if mkdir(dir, 0o750) != 0 && errno != EEXIST {
                throw CirculationError("cannot create directory \(dir) for the circulation cache: \(String(cString: strerror(errno))); create it for the user running rfidgate or set [cache] path")
            }
        }
    }

    /// Runs `body` in one write transaction, mapping errors to `CirculationError`.
    public func write<T>(_ doing: String, _ body: (Database) throws -> T) throws(CirculationError) -> T {
        do { return try pool.write(body) } catch let e as CirculationError { throw e } catch {
            throw CirculationError.database(path, doing, error)
        }
    }

    public func read<T>(_ doing: String, _ body: (Database) throws -> T) throws(CirculationError) -> T {
        do { return try pool.read(body) } catch let e as CirculationError { throw e } catch {
            throw CirculationError.database(path, doing, error)
        }
    }

    // MARK: items

    /// Writes items (insert or replace) and their gate keys in one transaction.
    /// `journal`: record the changes for a running daemon to pick up (CLI writers).
    /// Returns each item's key and new entry, for updating an in-process index.
    @discardableResult
    public func upsert(_ updates: [ItemUpdate], source: ItemSource, at now: Int64, journal: Bool) throws(CirculationError) -> [(key: UInt64, entry: CacheEntry)] {
        try write("updating items") { db in
            try ItemWriter(db, source: source, now: now, journal: journal).write(updates)
        }
    }

    /// Writes items inside a transaction another writer of this store opened (e.g. the SIP2
    /// outbox recording an offline loan together with the item's new loan state), journalled
    /// for a running daemon's index. `now`: Unix ms.
    @discardableResult
    public static func upsert(_ updates: [ItemUpdate], in db: Database, source: ItemSource, at now: Int64) throws -> [(key: UInt64, entry: CacheEntry)] {
        try ItemWriter(db, source: source, now: now, journal: true).write(updates)
    }

    public func item(_ pii: String) throws(CirculationError) -> StoredItem? {
        try read("reading item \(pii)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM items WHERE pii = ?", arguments: [pii]) else {
                return try Self.hotEntry(db, pii).map {
                    StoredItem(pii: pii, ownerISIL: nil, loanState: .other, dueDate: nil, title: nil, updatedAt: $0.addedAt, source: "hot list only", hot: $0)
                }
            }
            let state: String = row["loan_state"]
            return StoredItem(
                pii: row["pii"], ownerISIL: row["owner_isil"], loanState: LoanState(rawValue: state) ?? .other,
                dueDate: row["due_date"], title: row["title"], updatedAt: row["updated_at"], source: row["source"],
                hot: try Self.hotEntry(db, pii))
        }
    }

    /// The entry the index should hold for `pii`, from the stored rows.
    public func entry(_ pii: String) throws(CirculationError) -> CacheEntry {
        try read("reading item \(pii)") { db in
            let state = try Int.fetchOne(db, sql: "SELECT state FROM gate_keys WHERE key = ?", arguments: [Int64(bitPattern: CirculationKey.of(pii))])
            return CacheEntry(raw: UInt8(truncatingIfNeeded: state ?? 0))
        }
    }

    public func itemCount() throws(CirculationError) -> Int {
        try read("counting items") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM items") ?? 0 }
    }

    /// Deletes an item's record (its hot-list entry, if any, stays).
    @discardableResult
    public func delete(_ pii: String, at now: Int64, journal: Bool) throws(CirculationError) -> (key: UInt64, entry: CacheEntry) {
        try write("deleting item \(pii)") { db in
            let key = CirculationKey.of(pii)
            try db.execute(sql: "DELETE FROM items WHERE pii = ?", arguments: [pii])
            let entry = CacheEntry(loan: .unknown, hot: try Self.hotEntry(db, pii) != nil)
            try Self.setGateKey(db, key: key, entry: entry, now: now, journal: journal)
            return (key, entry)
        }
    }

    // MARK: hot list

    @discardableResult
    public func addHot(_ pii: String, reason: String, note: String? = nil, at now: Int64, journal: Bool) throws(CirculationError) -> (key: UInt64, entry: CacheEntry) {
        try write("adding \(pii) to the hot list") { db in
            let key = CirculationKey.of(pii)
            try db.execute(
                sql: "INSERT INTO hot_list(pii, key, reason, note, added_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(pii) DO UPDATE SET reason = excluded.reason, note = excluded.note",
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
                builder.add(UInt64(bitPattern: sqlite3_column_int64(s, 0)) & ~0xFF | UInt64(UInt8(truncatingIfNeeded: sqlite3_column_int64(s, 1))))
                rc = sqlite3_step(s)
            }
            sqlite3_reset(s)
            guard rc == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
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
        try db.execute(sql: "INSERT INTO meta(name, value) VALUES ('gate_keys_count', (SELECT count(*) FROM gate_keys)) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
    }

    public func recordGateKeyCount() throws(CirculationError) {
        try write("counting gate keys") { db in try Self.recordGateKeyCount(db) }
    }

    /// Changes other processes journalled after `seq`, and the import generation.
    public func changes(after seq: Int64, limit: Int = 10_000) throws(CirculationError) -> (changes: [(key: UInt64, entry: CacheEntry)], last: Int64, generation: Int64) {
        try read("reading item changes") { db in
            var last = seq
            var out: [(UInt64, CacheEntry)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, key, state FROM item_changes WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
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

    /// Moves the WAL's content into the database file and truncates the WAL (after a bulk load).
    public func checkpoint() throws(CirculationError) {
        do { try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) } } catch {
            throw CirculationError.database(path, "checkpointing", error)
        }
    }

    // MARK: meta values

    public func meta(_ name: String) throws(CirculationError) -> Int64? {
        try read("reading \(name)") { db in try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    public func setMeta(_ name: String, _ value: Int64) throws(CirculationError) {
        try write("writing \(name)") { db in
            try db.execute(sql: "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", arguments: [name, value])
        }
    }

    // MARK: integrity

    /// Cross-table invariants after a crash or an import; empty when all hold.
    public func consistencyProblems() throws(CirculationError) -> [String] {
        try read("checking consistency") { db in
            var problems: [String] = []
            let integrity = try String.fetchAll(db, sql: "PRAGMA quick_check")
            if integrity != ["ok"] { problems.append("quick_check: \(integrity.prefix(5).joined(separator: "; "))") }
            let orphanItems = try Int.fetchOne(db, sql: "SELECT count(*) FROM items i LEFT JOIN gate_keys g ON g.key = i.key WHERE g.key IS NULL") ?? 0
            if orphanItems > 0 { problems.append("\(orphanItems) items without a gate key") }
            let wrongState = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM items i JOIN gate_keys g ON g.key = i.key
                WHERE (g.state & 3) != CASE WHEN i.loan_state IN ('on-loan', 'on-loan-no-recall', 'recalled') THEN 2 ELSE 1 END
                """) ?? 0
            if wrongState > 0 { problems.append("\(wrongState) gate keys disagree with their item's loan state") }
            // Every gate key belongs to an item or a hot-list entry (counted through a UNION's
            // temporary B-tree: items has no index on key, and needs none on the hot path).
            let keys = try Int.fetchOne(db, sql: "SELECT count(*) FROM gate_keys") ?? 0
            let owners = try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT key FROM items UNION SELECT key FROM hot_list)") ?? 0
            if keys != owners { problems.append("\(keys) gate keys for \(owners) items and hot-list entries") }
            let badRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM items WHERE pii = '' OR loan_state = ''") ?? 0
            if badRows > 0 { problems.append("\(badRows) items with an empty id or state") }
            return problems
        }
    }
}

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
        upsertItem = try db.cachedStatement(sql: """
            INSERT INTO items(pii, key, owner_isil, loan_state, due_date, title, updated_at, source)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(pii) DO UPDATE SET owner_isil = coalesce(excluded.owner_isil, owner_isil),
              loan_state = excluded.loan_state, due_date = excluded.due_date,
              title = coalesce(excluded.title, title), updated_at = excluded.updated_at, source = excluded.source
            """)
        upsertKey = try db.cachedStatement(sql: "INSERT INTO gate_keys(key, state) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state")
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
                try db.execute(sql: "INSERT INTO item_changes(key, state, at) VALUES (?, ?, ?)", arguments: [Int64(bitPattern: key), Int(entry.raw), now])
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

/// Wall-clock time in Unix milliseconds (event log and `updated_at`; the gate's decisions use
/// the monotonic clock).
public func unixMillisNow() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
