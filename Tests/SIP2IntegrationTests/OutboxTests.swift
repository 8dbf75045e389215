import Circulation
import Foundation
import SIP2
import SIP2Client
import Testing

@testable import SIP2Sync

func tempOutbox() throws -> (CirculationOutbox, String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sip2-outbox-\(UUID().uuidString).sqlite").path
    return (try CirculationOutbox(path: path), path)
}

func newEntry(
    _ key: String, _ kind: OutboxEntry.Kind = .checkout, patron: String? = "P0001", item: String, at unix: Int64 = 1_735_729_200
) -> NewOutboxEntry {
    NewOutboxEntry(
        key: key, kind: kind, patron: kind == .checkout ? patron : nil, item: item, transactionUnix: unix,
        transactionDate: SIP2Date(unixSeconds: unix),
        nbDueDate: kind == .checkout ? SIP2Date(year: 2031, month: 2, day: 3, hour: 23, minute: 59) : nil)
}

extension SIP2PeerSuites {
    /// E cases against the real peers.
    @Suite
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
            let answer = try desk.checkout(
                key: "e1", patron: "P1", item: uniqueItem("e1"), nowUnix: stored.atUnix + 120, utcOffsetSeconds: 0)
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
            let sync = SyncService(
                store: store, client: client, alert: { e, why in alerts.trace(.received, Array("\(e.item): \(why)".utf8)) })
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
            // No pause after a lost answer: the test drives the rounds itself.
            let sync = SyncService(store: store, client: client, retry: .init(firstPauseSeconds: 0))
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
