import GRDB

extension CirculationStore {
    // MARK: integrity

    /// Cross-table invariants after a crash or an import; empty when all hold.
    public func consistencyProblems() throws(CirculationError) -> [String] {
        try read("checking consistency") { db in
            var problems: [String] = []
            let integrity = try String.fetchAll(db, sql: "PRAGMA quick_check")
            if integrity != ["ok"] { problems.append("quick_check: \(integrity.prefix(5).joined(separator: "; "))") }
            let orphanItems =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM items i LEFT JOIN gate_keys g ON g.key = i.key WHERE g.key IS NULL") ?? 0
            if orphanItems > 0 { problems.append("\(orphanItems) items without a gate key") }
            let wrongState =
                try Int.fetchOne(
                    db,
                    sql: """
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
