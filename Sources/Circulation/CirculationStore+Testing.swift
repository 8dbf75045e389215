import GRDB

/// Hooks for tests that need the store's own connections (connection-level settings), which
/// no other connection to the file can reach. Not for production callers.
extension CirculationStore {
    /// Caps the file at its current size plus `extraPages` on the writer connection, or lifts
    /// the cap (nil): SQLite then answers SQLITE_FULL exactly as on a full partition.
    @_spi(Testing) public func capSize(extraPages: Int?) throws {
        try pool.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(extraPages.map { pages + $0 } ?? 1_073_741_823)")
        }
    }

    /// `PRAGMA synchronous` of the writer connection, the one every commit goes through
    /// (2 = FULL, 1 = NORMAL), and of a reader connection.
    @_spi(Testing) public func synchronousLevels() throws -> (writer: Int?, reader: Int?) {
        let writer = try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        let reader = try pool.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        return (writer, reader)
    }
}
