import GRDB

extension CirculationStore {
    // MARK: items

    /// Writes items (insert or replace) and their gate keys in one transaction.
    /// `journal`: record the changes for a running daemon to pick up (CLI writers).
    /// Returns each item's key and new entry, for updating an in-process index.
    @discardableResult
    public func upsert(
        _ updates: [ItemUpdate], source: ItemSource, at now: Int64, journal: Bool
    ) throws(CirculationError) -> [(key: UInt64, entry: CacheEntry)] {
        try write("updating items") { db in
            try ItemWriter(db, source: source, now: now, journal: journal).write(updates)
        }
    }

    public func item(_ pii: String) throws(CirculationError) -> StoredItem? {
        try read("reading item \(pii)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM items WHERE pii = ?", arguments: [pii]) else {
                return try Self.hotEntry(db, pii).map {
                    StoredItem(
                        pii: pii, ownerISIL: nil, loanState: .other, dueDate: nil, title: nil, updatedAt: $0.addedAt,
                        source: "hot list only", hot: $0)
                }
            }
            let state: String = row["loan_state"]
            var item = StoredItem(
                pii: row["pii"], ownerISIL: row["owner_isil"], loanState: LoanState(rawValue: state) ?? .other,
                dueDate: row["due_date"], title: row["title"], updatedAt: row["updated_at"], source: row["source"],
                hot: try Self.hotEntry(db, pii))
            item.callNumber = row["call_number"]
            item.shelfLocation = row["shelf_location"]
            return item
        }
    }

    /// The entry the index should hold for `pii`, from the stored rows.
    public func entry(_ pii: String) throws(CirculationError) -> CacheEntry {
        try read("reading item \(pii)") { db in
            let state = try Int.fetchOne(
                db, sql: "SELECT state FROM gate_keys WHERE key = ?", arguments: [Int64(bitPattern: CirculationKey.of(pii))])
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
}
