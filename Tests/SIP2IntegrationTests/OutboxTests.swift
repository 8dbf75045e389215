import Circulation
import Foundation
import GRDB
import SIP2
import SIP2Client
@testable import SIP2Sync
import Testing

func tempOutbox() throws -> (CirculationOutbox, String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sip2-outbox-\(UUID().uuidString).sqlite").path
    return (try CirculationOutbox(path: path), path)
}

func newEntry(_ key: String, _ kind: OutboxEntry.Kind = .checkout, patron: String? = "P0001", item: String, at unix: Int64 = 1_735_729_200) -> NewOutboxEntry {
    NewOutboxEntry(key: key, kind: kind, patron: kind == .checkout ? patron : nil, item: item, transactionUnix: unix,
                   transactionDate: SIP2Date(unixSeconds: unix), nbDueDate: kind == .checkout ? SIP2Date(year: 2031, month: 2, day: 3, hour: 23, minute: 59) : nil)
}

@Suite struct OutboxStoreTests {
    @Test func durableSettings() throws {
        let (store, path) = try tempOutbox()
        _ = store
        // A second connection sees WAL; the store's own connection runs synchronous=FULL (2).
        let q = try DatabaseQueue(path: path)
        #expect(try q.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try store.db.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
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
        let (store, _) = try tempOutbox()
        try store.enqueue(newEntry("k1", item: "B77"))
        var item = try #require(try store.store.item("B77"))
        #expect(item.loanState == .onLoan && item.dueDate == "2031-02-03" && item.source == "station")
        // Journalled, so a running daemon's gate index follows it.
        let changes = try store.db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM item_changes") }
        #expect(changes == 1)
        try store.enqueue(newEntry("k1", item: "B77"))  // the same loan again: nothing changes
        #expect(try store.db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM item_changes") } == 1)
        try store.enqueue(newEntry("k2", .checkin, item: "B77"))
        item = try #require(try store.store.item("B77"))
        #expect(item.loanState == .available && item.dueDate == nil)
    }

    @Test func aFullDiskRefusesTheLoanWholeAndLosesNothingQueued() throws {
        let (store, _) = try tempOutbox()
        // SQLite's own limit on the writer connection: SQLITE_FULL, as from a full partition.
        try store.db.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages + 3)")
        }
        var accepted = 0
        var refusal: OutboxError?
        while refusal == nil && accepted < 100_000 {
            do { try store.enqueue(newEntry("full-\(accepted)", item: "BF\(accepted)")); accepted += 1 } catch { refusal = error }
        }
        let error = try #require(refusal)
        #expect(error.description.contains("disk is full"), "\(error)")
        // The refused loan left nothing behind: no outbox row, no loan in the cache.
        #expect(try store.status().backlog == accepted)
        #expect(try store.store.item("BF\(accepted)") == nil)
        // Every accepted loan is intact; with space again the refused one goes in once.
        try store.db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = 1073741823") }
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

@Suite struct OfflinePolicyTests {
    let ok = StoredACSStatus(online: false, offlineOK: true, checkoutOK: true, checkinOK: true, atUnix: 1000)

    @Test("E1 offline lending only when the ACS allowed it and config allows it")
    func decide() {
        let p = OfflinePolicy(enabled: true, maxItemsPerPatron: 2, maxHoursOffline: 1, loanDays: 14)
        #expect(OfflinePolicy(enabled: false).decide(lastStatus: ok, offlineSinceUnix: nil, nowUnix: 2000, queuedForPatron: 0, utcOffsetSeconds: 0) == .refused(.disabledByConfig))
        #expect(p.decide(lastStatus: nil, offlineSinceUnix: nil, nowUnix: 2000, queuedForPatron: 0, utcOffsetSeconds: 0) == .refused(.neverSawACSStatus))
        var no = ok; no.offlineOK = false
        #expect(p.decide(lastStatus: no, offlineSinceUnix: nil, nowUnix: 2000, queuedForPatron: 0, utcOffsetSeconds: 0) == .refused(.acsForbidsOffline))
        #expect(p.decide(lastStatus: ok, offlineSinceUnix: 0, nowUnix: 3601, queuedForPatron: 0, utcOffsetSeconds: 0) == .refused(.offlineTooLong))
        #expect(p.decide(lastStatus: ok, offlineSinceUnix: 0, nowUnix: 3600, queuedForPatron: 2, utcOffsetSeconds: 0) == .refused(.patronLimit))
        #expect(p.decide(lastStatus: ok, offlineSinceUnix: 0, nowUnix: 3600, queuedForPatron: 1, utcOffsetSeconds: 0)
                == .allowed(nbDueDate: SIP2Date(year: 1970, month: 1, day: 15, hour: 23, minute: 59)))
    }

    @Test("the offline desk writes the loan before answering, and counts per patron")
    func desk() throws {
        let (store, path) = try tempOutbox()
        try store.noteACSStatus(ok)
        let desk = OfflineDesk(store: store, policy: OfflinePolicy(enabled: true, maxItemsPerPatron: 1))
        guard case .accepted(let id, let due) = try desk.checkout(key: "a", patron: "P1", item: "B1", nowUnix: 2000, utcOffsetSeconds: 0) else { Issue.record("refused"); return }
        #expect(due != nil)
        // Already on disk for another connection (another process).
        #expect(try CirculationOutbox(path: path).entry(id: id)?.item == "B1")
        #expect(try desk.checkout(key: "b", patron: "P1", item: "B2", nowUnix: 2001, utcOffsetSeconds: 0) == .refused(.patronLimit))
        guard case .accepted = try desk.checkin(key: "c", item: "B9", nowUnix: 2002, utcOffsetSeconds: 0) else { Issue.record("refused"); return }
    }
}

extension SIP2PeerSuites {
    /// E cases against the real peers.
    @Suite(.enabled(if: PeerEnv.enabled, "SIP2 peers not installed: run scripts/sip2-peers.sh install (CI does)"))
    struct ReplayTests {
        @Test("E2 E3 E4 queued checkout then checkin replayed in order with no-block and the original dates", arguments: PeerKind.allCases)
        func replayInOrder(_ k: PeerKind) async throws {
            let peer = try await SharedPeers.peer(k)
            let (store, _) = try tempOutbox()
            let item = uniqueItem("e2")
            try store.enqueue(newEntry("co", item: item, at: 1_735_725_600))
            try store.enqueue(newEntry("ci", .checkin, item: item, at: 1_735_729_200))
            let client = SIP2Client(peer.configuration())
            let r = await SyncService(store: store, client: client).replayRound()
            #expect(r.done == 2 && r.stoppedBy == nil)
            let events = try peer.state().events.filter { ($0["item"] as? String) == item }
            #expect(events.map { $0["op"] as? String } == ["checkout", "checkin"])
            if k == .pysip2 {  // invenio does not pass the flags to its handler
                #expect(events[0]["no_block"] as? String == "Y")
                #expect(events[0]["transaction_date"] as? String == SIP2Date(unixSeconds: 1_735_725_600).description)
                #expect(events[0]["nb_due_date"] as? String == "20310203    235900")
                #expect(events[1]["no_block"] as? String == "Y")
            }
            #expect(try store.status().backlog == 0 && store.status().lastSuccessUnix != nil)
            await client.disconnect()
        }

        @Test("E1 the peer's own 98 decides offline lending once it is unreachable", arguments: PeerKind.allCases)
        func offlineFollowsThePeersStatus(_ k: PeerKind) async throws {
            let peer = try await SharedPeers.peer(k)
            let (store, _) = try tempOutbox()
            let client = SIP2Client(peer.configuration())
            // A sync round (empty queue) is how the daemon learns and stores the ACS status.
            _ = await SyncService(store: store, client: client).replayRound()
            let acs = try #require(await client.acsStatus)
            await client.disconnect()
            let stored = try #require(try store.status().lastACSStatus)
            #expect(stored.offlineOK == acs.offlineOK && stored.online == acs.online)
            // The ILS goes away; the station asks the desk whether it may lend.
            try store.noteError("cannot connect", atUnix: stored.atUnix + 60)
            let desk = OfflineDesk(store: store, policy: OfflinePolicy(enabled: true))
            let answer = try desk.checkout(key: "e1", patron: "P1", item: uniqueItem("e1"), nowUnix: stored.atUnix + 120, utcOffsetSeconds: 0)
            if acs.offlineOK {
                guard case .accepted = answer else { Issue.record("refused although the peer's 98 said off-line ok: \(answer)"); return }
            } else {
                #expect(answer == .refused(.acsForbidsOffline))
            }
        }

        @Test("E5 permanent refusal → dead letter, staff alert, no retry loop", arguments: PeerKind.allCases)
        func deadLetter(_ k: PeerKind) async throws {
            let peer = try await SharedPeers.peer(k)
            let (store, _) = try tempOutbox()
            try store.enqueue(newEntry("lost", item: "I0004"))
            let ok = uniqueItem("e5")
            try store.enqueue(newEntry("fine", item: ok))
            let alerts = FrameLog()
            let client = SIP2Client(peer.configuration())
            let sync = SyncService(store: store, client: client, alert: { e, why in alerts.trace(.received, Array("\(e.item): \(why)".utf8)) })
            let r = await sync.replayRound()
            #expect(r.done == 1 && r.deadLettered == 1)
            #expect(alerts.received.count == 1 && alerts.received[0].hasPrefix("I0004"))
            let before = try peer.state().events.filter { ($0["item"] as? String) == "I0004" }.count
            _ = await sync.replayRound()
            #expect(try peer.state().events.filter { ($0["item"] as? String) == "I0004" }.count == before)
            #expect(try store.status().deadLetters == 1)
            await client.disconnect()
        }

        @Test("E6 replay interrupted mid-queue: nothing lost, nothing twice", arguments: PeerKind.allCases)
        func interrupted(_ k: PeerKind) async throws {
            let peer = try await SharedPeers.peer(k)
            let (store, _) = try tempOutbox()
            let items = (0..<12).map { _ in uniqueItem("e6") }
            for (i, item) in items.enumerated() { try store.enqueue(newEntry("k\(i)", item: item)) }
            let proxy = try FaultServer(upstreamPort: peer.port) { req, _ in
                // Every connection dies after its 4th checkout was applied, before its answer.
                req.code == "11" && req.index % 4 == 3 ? [.forward(drop: true), .close] : [.forward(drop: false)]
            }
            defer { proxy.stop() }
            var cfg = peer.configuration()
            cfg.port = proxy.port
            let client = SIP2Client(cfg)
            let sync = SyncService(store: store, client: client)
            var rounds = 0
            while try store.status().backlog > 0 && rounds < 20 {
                _ = await sync.replayRound()
                await client.resetBackoff()
                rounds += 1
            }
            #expect(try store.status().backlog == 0 && rounds > 1)
            let st = try peer.state().items
            for item in items {
                #expect(st[item]?["checkouts"] as? Int == 1 && (st[item]?["renewals"] as? Int ?? 0) == 0, "\(item)")
            }
            await client.disconnect()
        }
    }
}
