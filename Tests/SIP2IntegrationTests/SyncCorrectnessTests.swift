import Circulation
import Foundation
import SIP2
import SIP2Client
import Synchronization
import Testing

@testable import SIP2Sync

#if canImport(Glibc)
import Glibc
#endif

extension SIP2PeerSuites {
    /// Exactly once, also when things go wrong: a lost answer whose item the ILS shows charged
    /// to someone else, an entry the ILS never answers, and two replayers at once.
    @Suite struct SyncCorrectnessTests {
        /// A clock the test moves by hand (Unix seconds).
        final class TestClock: Sendable {
            let now = Atomic<Int64>(1_800_000_000)
            func advance(_ s: Int64) { now.add(s, ordering: .relaxed) }
            var read: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }
        }

        @Test func afterALostAnswerChargedCountsOnlyWhenChargedToOurPatron() async throws {
            let peer = try await SharedPeers.peer(.invenio)
            let (store, _) = try tempOutbox()
            let client = SIP2Client(peer.configuration())
            // Ours: the checkout reached the ILS, its answer was lost (attempts = 1).
            let mine = uniqueItem("mine")
            guard case .answered(let answer) = try await client.checkout(await client.makeCheckout(patron: "P0001", item: mine)), answer.ok
            else {
                Issue.record("the peer refused the setup checkout")
                return
            }
            let ours = try store.enqueue(newEntry("ours", patron: "P0001", item: mine))
            try store.markAttempt(id: ours)
            // Not ours: I0003 is charged to P0003 in the peer ILS; our P0001 never had it.
            let theirs = try store.enqueue(newEntry("theirs", patron: "P0001", item: "I0003"))
            try store.markAttempt(id: theirs)

            let alerts = Atomic<Int>(0)
            let r = await SyncService(store: store, client: client, alert: { _, _ in alerts.add(1, ordering: .relaxed) }).replayRound()
            #expect(r.done == 1 && r.deadLettered == 1 && r.stoppedBy == nil)
            #expect(try store.entry(id: ours)?.state == .done)
            #expect(try store.entry(id: ours)?.resolution?.contains("to patron P0001") == true)
            let dead = try #require(try store.entry(id: theirs))
            #expect(dead.state == .dead && dead.lastError?.contains("not to patron P0001") == true, "\(dead.lastError ?? "")")
            #expect(alerts.load(ordering: .relaxed) == 1)
            // Nothing was sent again: I0003 is still P0003's, and our item was checked out once.
            let st = try peer.state().items
            #expect(st["I0003"]?["patron"] as? String == "P0003")
            #expect(st[mine]?["checkouts"] as? Int == 1 && (st[mine]?["renewals"] as? Int ?? 0) == 0)
            await client.disconnect()
        }

        @Test func aPoisonedEntryPausesIsCappedAndNeverBlocksOtherItems() async throws {
            let peer = try await SharedPeers.peer(.invenio)
            let (store, _) = try tempOutbox()
            let poison = uniqueItem("poison")
            // The ILS never answers a checkout of the poisoned item (it never even sees it).
            let proxy = try FaultServer(upstreamPort: peer.port) { req, _ in
                req.code == "11" && req.message?["AB"] == poison ? [] : [.forward(drop: false)]
            }
            defer { proxy.stop() }
            var cfg = peer.configuration(timeout: .milliseconds(400))
            cfg.port = proxy.port
            let client = SIP2Client(cfg)
            let clock = TestClock()
            let retry = SyncService.RetryPolicy(maxFailures: 3, firstPauseSeconds: 60, maxPauseSeconds: 600)
            let sync = SyncService(store: store, client: client, clock: clock.read, retry: retry)
            let a = uniqueItem("a"), b = uniqueItem("b"), c = uniqueItem("c")
            try store.enqueue(newEntry("a", item: a))
            let p = try store.enqueue(newEntry("p", item: poison))
            try store.enqueue(newEntry("b", item: b))
            let pReturn = try store.enqueue(newEntry("p-return", .checkin, item: poison))
            try store.enqueue(newEntry("c", item: c))

            // Round 1: a goes through; the poisoned checkout loses its answer and stops the round.
            var r = await sync.replayRound()
            await client.resetBackoff()
            #expect(r.done == 1 && r.stoppedBy != nil)
            #expect(try store.entry(id: p)?.failures == 1)
            // Round 2, at once: the poisoned entry pauses, unrelated items go ahead; its return
            // waits behind it (order per item).
            r = await sync.replayRound()
            await client.resetBackoff()
            #expect(r.done == 2 && r.stoppedBy == nil)
            #expect(try store.entry(id: pReturn)?.state == .pending)
            // Its pauses grow (60 s, then 120 s); at the third failure it is a dead letter.
            clock.advance(60)
            _ = await sync.replayRound()
            await client.resetBackoff()
            #expect(try store.entry(id: p)?.failures == 2 && store.entry(id: p)?.state == .pending)
            clock.advance(60)
            r = await sync.replayRound()
            #expect(r.done == 0, "still pausing: 120 s after the second failure")
            clock.advance(60)
            r = await sync.replayRound()
            await client.resetBackoff()
            let dead = try #require(try store.entry(id: p))
            #expect(dead.state == .dead && dead.lastError?.contains("no answer from the ILS in 3 tries") == true, "\(dead.lastError ?? "")")
            // With the checkout out of the queue, the item's return is no longer held.
            r = await sync.replayRound()
            #expect(try store.entry(id: pReturn)?.state != .pending)
            #expect(try store.status().backlog == 0)
            let st = try peer.state().items
            for item in [a, b, c] { #expect(st[item]?["checkouts"] as? Int == 1, "\(item)") }
            await client.disconnect()
        }

        @Test func aRetriedDeadLetterKeepsAskingBeforeItResends() throws {
            let (store, _) = try tempOutbox()
            let id = try store.enqueue(newEntry("k", item: "BX1"))
            try store.markAttempt(id: id)
            #expect(
                try store.noteFailure(id: id, error: "timeout", nextAttemptUnix: 100, maxFailures: 1, atUnix: 1),
                "one failure of one allowed: dead")
            #expect(try store.entry(id: id)?.state == .dead)
            #expect(try store.revive(id: id))
            let e = try #require(try store.entry(id: id))
            #expect(e.state == .pending && e.failures == 0 && e.nextAttemptUnix == nil)
            #expect(e.attempts == 1, "the send that may have reached the ILS still counts: 17 first")
        }
    }

    /// The daemon replays while a technician runs `rfidgatectl sync run` on the same store: the
    /// store's replay lock lets one of them replay; the peer sees every loan exactly once.
    @Suite struct OneReplayerTests {
        @Test func syncRunBesideTheDaemonSendsNothingTwice() async throws {
            try await offPool {
                let peer = try Peer(.invenio)
                let (store, path) = try tempOutbox()
                let items = (0..<300).map { "BOR\($0)" }
                for (i, item) in items.enumerated() { try store.enqueue(newEntry("or-\(i)", patron: "Q\(i % 20)", item: item)) }
                let config = try DaemonBinary.config(db: path, peerPort: peer.port)
                let daemon = try DaemonBinary.start(["--config", config])
                defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }
                // Wait until the daemon's replay is under way, then run sync run beside it, again and again.
                let deadline = Date().addingTimeInterval(60)
                while try store.status().done == 0 && Date() < deadline { usleep(5_000) }
                var refused = 0, runs = 0
                while try store.status().backlog > 0 && Date() < deadline {
                    let (status, err) = try Self.syncRun(config: config, db: path)
                    runs += 1
                    if status == 75 && err.contains("being replayed by rfidgated pid \(daemon.processIdentifier)") { refused += 1 }
                    #expect(status == 75 || status == 0, "sync run: \(status) \(err)")
                }
                #expect(runs > 0 && refused == runs, "every sync run beside the daemon refused (\(refused) of \(runs))")
                kill(daemon.processIdentifier, SIGTERM)
                daemon.waitUntilExit()
                // With the daemon gone, sync run replays (nothing left: it says so and succeeds).
                #expect(try Self.syncRun(config: config, db: path).status == 0)
                let st = try peer.state().items
                var lost = 0, twice = 0
                for item in items {
                    let n = (st[item]?["checkouts"] as? Int ?? 0) + (st[item]?["renewals"] as? Int ?? 0)
                    if n == 0 { lost += 1 }
                    if n > 1 { twice += 1 }
                }
                #expect(lost == 0 && twice == 0, "lost \(lost), duplicated \(twice)")
            }
        }

        static func syncRun(config: String, db: String) throws -> (status: Int32, err: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try #require(CtlBinary.path))
            p.arguments = ["sync", "run", "--config", config, "--db", db, "--password", "sc_pass"]
            let err = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = err
            try p.run()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: e, as: UTF8.self))
        }
    }
}
