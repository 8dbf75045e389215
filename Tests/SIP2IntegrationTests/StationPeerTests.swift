import Circulation
import Foundation
import ISO28560
import Logging
import ReaderEmulators
import ReaderHub
import SIP2Client
import Station
import StationCore
import Synchronization
import TagRing
import Testing

extension SIP2PeerSuites {
    /// The station's desk built from its real parts (a temp store, the reader hub with one
    /// emulated FEIG pad reader over a tag field, the pad reader, the verified tag writer, a
    /// pool of three SIP2 connections) against the invenio-sip2 peer: a checkout with a
    /// renewal, a complete and an incomplete set; a blocked patron; the return.
    @Suite
    struct StationPeerTests {
        /// The desk and the world it looks at.
        final class Rig: Sendable {
            let field = StaticTagField()
            let store: CirculationStore
            let hub: ReaderHub
            let pad: PadReader
            let pool: SIP2Pool
            let desk: StationDesk
            let dbPath: String

            init(peer: Peer) throws {
                let clock = SystemMonotonicClock()
                dbPath = FileManager.default.temporaryDirectory.appendingPathComponent("station-peer-\(UUID().uuidString).sqlite").path
                store = try CirculationStore(path: dbPath)
                // As StationRuntime builds it, with a feig-sim reader looking into our field.
                hub = try ReaderHub(
                    readers: [ReaderSpec(id: "pad-1", driver: .feigSim, antennas: [1])], ringCapacity: TagRing.defaultCapacity,
                    clock: clock, world: SimulatedWorld(field: field, beamInputs: { _, _, _ in 0 }))
                pad = PadReader(hub: hub, clock: clock)
                let settings = StationSettings(stationID: "peer-test", utcOffsetSeconds: 0)
                let hub = hub
                let writer = TagSecurityWriter(profile: settings.security, commands: { hub.commands(for: $0) })
                pool = SIP2Pool((0..<3).map { _ in SIP2Client(peer.configuration()) })
                desk = StationDesk(
                    settings: settings, store: store, pad: pad, writer: writer, ils: pool, clock: clock,
                    unixNow: { Int64(Date().timeIntervalSince1970) }, logger: Logger(label: "station-peer-test"))
                pad.start()
                hub.start()
            }

            func stop() async {
                hub.stopReaders()
                pad.stop()
                hub.shutdown()
                await pool.disconnect()
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) }
            }

            /// Lays `tags` on the pad (alone: anything else is taken off, keeping what was written
            /// to it) and waits until the pad reader sees exactly them, decoded.
            func lay(_ tags: [EmulatedTag]) async -> Bool {
                let want = Set(tags.map(\.uid))
                offPad.withLock { bag in
                    for uid in placed.withLock({ $0 }).subtracting(want) {
                        if let t = field.tag(uid: uid) { bag[uid] = t }
                        field.remove(uid: uid)
                    }
                    for t in tags { field.place(bag.removeValue(forKey: t.uid) ?? field.tag(uid: t.uid) ?? t, antennas: [1]) }
                }
                placed.withLock { $0 = want }
                return await eventually(within: 20) {
                    let seen = pad.tracker.tags
                    let uids = Set(seen.compactMap { t -> UInt64? in if case .hf(let u) = t.id { u } else { nil } })
                    return uids == want && seen.allSatisfy { $0.record != nil && $0.afi != nil }
                }
            }

            /// Tags on the pad now, and those taken off with what was last written to them.
            private let placed = Mutex<Set<UInt64>>([])
            private let offPad = Mutex<[UInt64: EmulatedTag]>([:])

            /// A tag's AFI now, on the pad or off it.
            func afi(_ t: EmulatedTag) -> UInt8? { field.tag(uid: t.uid)?.afi ?? offPad.withLock { $0[t.uid]?.afi } }
        }

        @Test func stackWithRenewalSetsAndBlockedPatronAgainstInvenio() async throws {
            let started = ContinuousClock.now
            let peer = try await offPool {
                let p = try Peer(.invenio)
                try p.reset()
                return p
            }
            let rig = try Rig(peer: peer)
            do {
                try await Self.run(rig, peer: peer)
            } catch {
                await rig.stop()
                throw error
            }
            await rig.stop()
            print("station peer test (StationDesk, invenio-sip2): \(ContinuousClock.now - started)")
        }

        static func run(_ rig: Rig, peer: Peer) async throws {
            let secured = StationTags.secured, unsecured = StationTags.unsecured
            var uid: UInt64 = 0xE004_0150_7200_0000
            func tag(_ pii: String, set: String? = nil, afi: UInt8 = secured) throws -> EmulatedTag {
                uid += 1
                return try StationTags.tag(uid: uid, pii: pii, set: set, afi: afi)
            }
            let plain = try (1...7).map { try tag("BP000\($0)") }
            // Already on loan to P0003 (its tag unsecured, as it should be): a renewal.
            let onLoan = try tag("I0003", afi: unsecured)
            let set1 = try ["0301", "0302", "0303"].map { try tag("BSET1", set: $0) }
            // Disc 3 left at home: refused, never sent.
            let set2 = try ["0301", "0302"].map { try tag("BSET2", set: $0) }
            let stack = plain + [onLoan] + set1 + set2
            let lent = plain + [onLoan] + set1
            // The control port answers at once (loopback, in-memory ILS): no need to leave the pool.
            func state() throws -> [String: [String: Any]] { try peer.state().items }
            func events() throws -> Int { try peer.state().events.count }
            func int(_ v: Any?) -> Int { v as? Int ?? 0 }

            // 1. P0003 checks out a stack of 10 items (13 tags).
            #expect(await rig.lay(stack), "the pad did not read the stack")
            #expect(rig.pad.contents.items.count == 10)
            guard case .welcome(let p3) = await rig.desk.presentCard("P0003") else {
                Issue.record("P0003 not welcomed")
                return
            }
            #expect(p3.valid && !p3.blocked)
            let out = try #require(await rig.desk.checkout())
            #expect(out.outcomes.count == 10)
            var byItem: [String: ItemOutcome.Result] = [:]
            for o in out.outcomes { byItem[o.item] = o.result }
            for t in plain {
                let pii = try #require(t.pii)
                guard case .checkedOut = byItem[pii] else {
                    Issue.record("\(pii): \(String(describing: byItem[pii]))")
                    continue
                }
            }
            if case .checkedOut = byItem["BSET1"] {} else { Issue.record("BSET1: \(String(describing: byItem["BSET1"]))") }
            if case .renewed = byItem["I0003"] {} else { Issue.record("I0003: \(String(describing: byItem["I0003"]))") }
            guard case .refused(let why) = byItem["BSET2"] else {
                Issue.record("BSET2: \(String(describing: byItem["BSET2"]))")
                return
            }
            #expect(why == .incompleteSet(missing: [3], of: 3))
            #expect(why.text == "part 3 of 3 is missing: put the whole set on the pad")
            var ils = try state()
            for pii in plain.compactMap(\.pii) + ["BSET1"] {
                let s = ils[pii] ?? [:]
                #expect(s["status"] as? String == "charged" && s["patron"] as? String == "P0003", "\(pii): \(s)")
                #expect(int(s["checkouts"]) == 1 && int(s["renewals"]) == 0 && int(s["checkins"]) == 0, "\(pii): \(s)")
            }
            let i3 = ils["I0003"] ?? [:]
            #expect(i3["status"] as? String == "charged" && i3["patron"] as? String == "P0003", "I0003: \(i3)")
            #expect(int(i3["renewals"]) == 1 && int(i3["checkouts"]) == 0, "I0003: \(i3)")
            // The incomplete set never reached the ILS (it would have been created on first use).
            #expect(ils["BSET2"] == nil, "BSET2 reached the ILS: \(ils["BSET2"] ?? [:])")
            let sent = try peer.state().events
            #expect(!sent.contains { $0["item"] as? String == "BSET2" })
            for t in lent { #expect(rig.afi(t) == unsecured, "\(t.pii ?? "?") AFI \(rig.afi(t) ?? 0)") }
            for t in set2 { #expect(rig.afi(t) == secured, "BSET2 part AFI \(rig.afi(t) ?? 0)") }
            #expect(await rig.desk.openEntries() == 0)
            await rig.desk.endSession()

            // 2. Blocked patron P0002 with 2 items: both refused, the ILS untouched.
            let blockedStack = try [tag("BB0001"), tag("BB0002")]
            #expect(await rig.lay(blockedStack), "the pad did not read the blocked patron's items")
            let before = try events()
            switch await rig.desk.presentCard("P0002") {
            case .welcome(let p2):
                #expect(p2.blocked)
                let r = try #require(await rig.desk.checkout())
                #expect(r.outcomes.count == 2)
                for o in r.outcomes { #expect(o.result == .refused(.patronBlocked), "\(o.item): \(o.result)") }
            case .refuse:
                break  // refused at the card: nothing to check out either
            default:
                Issue.record("P0002 was neither welcomed as blocked nor refused")
            }
            #expect(try events() == before, "the ILS heard of the blocked patron's items")
            ils = try state()
            #expect(ils["BB0001"] == nil && ils["BB0002"] == nil)
            for t in blockedStack { #expect(rig.afi(t) == secured) }
            #expect(await rig.desk.openEntries() == 0)
            await rig.desk.endSession()

            // 3. The lent items come back (no patron needed).
            #expect(await rig.lay(lent), "the pad did not read the returned items")
            let back = try #require(await rig.desk.checkin())
            #expect(back.outcomes.count == 9)
            for o in back.outcomes {
                guard case .returned = o.result else {
                    Issue.record("\(o.item): \(o.result)")
                    continue
                }
            }
            ils = try state()
            for pii in plain.compactMap(\.pii) + ["BSET1", "I0003"] {
                let s = ils[pii] ?? [:]
                #expect(s["status"] as? String == "available" && s["patron"] is NSNull, "\(pii): \(s)")
                #expect(int(s["checkins"]) == 1, "\(pii): \(s)")
            }
            #expect(int(ils["I0003"]?["renewals"]) == 1 && int(ils["BSET1"]?["checkouts"]) == 1)
            for t in lent { #expect(rig.afi(t) == secured, "\(t.pii ?? "?") AFI \(rig.afi(t) ?? 0)") }
            #expect(await rig.desk.openEntries() == 0)
            #expect(try rig.store.openJournalEntries().isEmpty)
            await rig.desk.endSession()
        }
    }
}

extension EmulatedTag {
    /// The primary item identifier in the tag's memory.
    var pii: String? { (try? TagDecoder.decodeHF(memory, dsfid: dsfid))?.record?.primaryItemIdentifier }
}
