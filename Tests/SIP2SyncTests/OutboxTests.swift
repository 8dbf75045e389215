@_spi(Testing) import Circulation
import Foundation
import GRDB
import SIP2
import Testing

@testable import SIP2Sync

@Suite struct OutboxStoreTests {
    @Test func durableSettings() throws {
        let (store, path) = try tempOutbox()
        _ = store
        // A second connection sees WAL; the store's own connections, the writer that commits
        // included, run synchronous=FULL (2).
        let q = try DatabaseQueue(path: path)
        #expect(try q.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        let levels = try store.store.synchronousLevels()
        #expect(levels.writer == 2 && levels.reader == 2)
    }

    @Test func enqueueIsIdempotentByKeyAndOrdered() throws {
        let (store, _) = try tempOutbox()
        let a = try store.enqueue(newEntry("k1", item: "B1"))
        let again = try store.enqueue(newEntry("k1", item: "B1"))
        let b = try store.enqueue(newEntry("k2", .checkin, item: "B1"))
        #expect(a == again && b > a)
        #expect(try store.pending(limit: 10).map(\.key) == ["k1", "k2"])
        #expect(try store.pendingCheckouts(patron: "P0001") == 1)
        let s = try store.status()
        #expect(s.backlog == 2 && s.oldestPendingUnix == 1_735_729_200)
    }

    @Test func anOfflineLoanIsOnLoanInTheCacheAtOnceAndAReturnIsNot() throws {
        let (store, path) = try tempOutbox()
        try store.enqueue(newEntry("k1", item: "B77"))
        var item = try #require(try store.store.item("B77"))
        #expect(item.loanState == .onLoan && item.dueDate == "2031-02-03" && item.source == "station")
        // Journalled, so a running daemon's gate index follows it.
        let file = try DatabaseQueue(path: path)
        let changes = try file.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM item_changes") }
        #expect(changes == 1)
        try store.enqueue(newEntry("k1", item: "B77"))  // the same loan again: nothing changes
        #expect(try file.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM item_changes") } == 1)
        try store.enqueue(newEntry("k2", .checkin, item: "B77"))
        item = try #require(try store.store.item("B77"))
        #expect(item.loanState == .available && item.dueDate == nil)
    }

    @Test func aFullDiskRefusesTheLoanWholeAndLosesNothingQueued() throws {
        let (store, _) = try tempOutbox()
        // SQLite's own limit on the writer connection: SQLITE_FULL, as from a full partition.
        try store.store.capSize(extraPages: 3)
        var accepted = 0
        var refusal: OutboxError?
        while refusal == nil && accepted < 100_000 {
            do { try store.enqueue(newEntry("full-\(accepted)", item: "BF\(accepted)")); accepted += 1 } catch { refusal = error }
        }
        let error = try #require(refusal)
        #expect(error.description.contains("disk is full"), "\(error)")
        #expect(error.kind == .diskFull)
        // The refused loan left nothing behind: no outbox row, no loan in the cache.
        #expect(try store.status().backlog == accepted)
        #expect(try store.store.item("BF\(accepted)") == nil)
        // Every accepted loan is intact; with space again the refused one goes in once.
        try store.store.capSize(extraPages: nil)
        try store.enqueue(newEntry("full-\(accepted)", item: "BF\(accepted)"))
        #expect(try store.pending(limit: 100_000).map(\.key) == (0...accepted).map { "full-\($0)" })
        #expect(try store.store.item("BF\(accepted)")?.loanState == .onLoan)
    }

    @Test func deadLetterAndRetry() throws {
        let (store, _) = try tempOutbox()
        let id = try store.enqueue(newEntry("k1", item: "B1"))
        try store.markDead(id: id, reason: "refused", atUnix: 1)
        #expect(try store.status().deadLetters == 1 && store.pending(limit: 5).isEmpty)
        #expect(try store.revive(id: id))
        #expect(try !store.revive(id: id))
        #expect(try store.pending(limit: 5).map(\.id) == [id])
    }

    @Test func survivesReopen() throws {
        let (store, path) = try tempOutbox()
        try store.enqueue(newEntry("k1", item: "B1"))
        try store.markAttempt(id: 1)
        let reopened = try CirculationOutbox(path: path)
        let e = try #require(try reopened.pending(limit: 1).first)
        #expect(e.attempts == 1 && e.item == "B1" && e.nbDueDate == SIP2Date(year: 2031, month: 2, day: 3, hour: 23, minute: 59))
    }
}
