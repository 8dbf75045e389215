import Circulation
import CirculationModel
import ILSSimulator
import ReaderEmulators
import SIP2
import Station
import StationCore
import Testing

/// Crash recovery without killing a process: journal rows are written as a station killed at
/// each open phase would have left them, the ILS and the tags set to match, then `reconcile()`
/// must leave every item either charged with its tag unsecured or not charged with it secured.
extension StationDeskTests {
    struct CrashCase {
        var name: String
        var kind: LoanKind
        var item: String
        var phase: JournalPhase
        var chargedAtILS: Bool
        var onPad: Bool
        var tags: [EmulatedTag]
        var offline = false
        var expected: JournalPhase
    }

    @Test func reconcileSettlesEveryOpenPhaseSoILSAndTagAgree() async throws {
        try await withRig { rig in
            let p = Demo.goodPatron
            let a = Demo.availableItems
            func tag(_ pii: String, _ afi: UInt8 = Tags.secured) throws -> [EmulatedTag] { [try Tags.item(pii, afi: afi)] }
            let cases: [CrashCase] = [
                CrashCase(
                    name: "planned", kind: .checkout, item: a[0], phase: .planned, chargedAtILS: false, onPad: true, tags: try tag(a[0]),
                    expected: .abandoned),
                CrashCase(
                    name: "ils-sent, the ILS lent it", kind: .checkout, item: a[1], phase: .ilsSent, chargedAtILS: true, onPad: true,
                    tags: try tag(a[1]), expected: .done),
                CrashCase(
                    name: "ils-sent, never reached the ILS", kind: .checkout, item: a[2], phase: .ilsSent, chargedAtILS: false,
                    onPad: true, tags: try tag(a[2]), expected: .abandoned),
                CrashCase(
                    name: "ils-sent, the ILS lent it, tag gone", kind: .checkout, item: a[3], phase: .ilsSent, chargedAtILS: true,
                    onPad: false, tags: try tag(a[3]), expected: .cancelled),
                CrashCase(
                    name: "accepted", kind: .checkout, item: a[4], phase: .accepted, chargedAtILS: true, onPad: true, tags: try tag(a[4]),
                    expected: .done),
                CrashCase(
                    name: "accepted, tag gone", kind: .checkout, item: a[5], phase: .accepted, chargedAtILS: true, onPad: false,
                    tags: try tag(a[5]), expected: .cancelled),
                CrashCase(
                    name: "tag-writing, the write reached the tag", kind: .checkout, item: a[6], phase: .tagWriting, chargedAtILS: true,
                    onPad: true, tags: try tag(a[6], Tags.unsecured), expected: .done),
                CrashCase(
                    name: "tag-writing, tag gone before the write", kind: .checkout, item: a[7], phase: .tagWriting,
                    chargedAtILS: true, onPad: false, tags: try tag(a[7]), expected: .cancelled),
                CrashCase(
                    name: "cancelling, tag unsecured", kind: .checkout, item: a[8], phase: .cancelling, chargedAtILS: true,
                    onPad: true, tags: try tag(a[8], Tags.unsecured), expected: .cancelled),
                CrashCase(
                    name: "cancelling, the cancel had reached the ILS", kind: .checkout, item: a[9], phase: .cancelling,
                    chargedAtILS: false, onPad: true, tags: try tag(a[9]), expected: .cancelled),
                CrashCase(
                    name: "checkin ils-sent, the ILS took it", kind: .checkin, item: Demo.otherBranchItem, phase: .ilsSent,
                    chargedAtILS: false, onPad: true, tags: try tag(Demo.otherBranchItem, Tags.unsecured), expected: .done),
                CrashCase(
                    name: "checkin accepted, three parts", kind: .checkin, item: Demo.multiPartItem, phase: .accepted,
                    chargedAtILS: false, onPad: true,
                    tags: try (1...3).map { try Tags.item(Demo.multiPartItem, afi: Tags.unsecured, set: (3, $0)) }, expected: .done),
                CrashCase(
                    name: "renewal accepted, tag gone", kind: .renewal, item: Demo.chargedItem, phase: .accepted, chargedAtILS: true,
                    onPad: false, tags: try tag(Demo.chargedItem, Tags.unsecured), expected: .done),
                CrashCase(
                    name: "offline checkout accepted, tag gone", kind: .checkout, item: Demo.referenceItem, phase: .accepted,
                    chargedAtILS: false, onPad: false, tags: try tag(Demo.referenceItem), offline: true, expected: .cancelled),
            ]
            // A return whose tag left the pad unsecured: the ILS has it back, the tag cannot be
            // reached, so staff must see it (the one case where ILS and tag disagree).
            let strayTag = try Tags.item(Demo.holdItem, afi: Tags.unsecured)

            for c in cases where c.chargedAtILS && c.item != Demo.chargedItem { try await rig.chargeAtILS(c.item, to: p) }
            try await rig.lay(cases.filter(\.onPad).flatMap(\.tags))
            for c in cases where !c.onPad { c.tags.forEach(rig.field.placeOffPad) }
            rig.field.placeOffPad(strayTag)

            var ids: [String: Int64] = [:]
            for c in cases {
                let outbox = c.offline ? offlineLoan(c.item, patron: p) : nil
                ids[c.item] = try rig.journalRow(
                    c.kind, item: c.item, patron: c.kind == .checkin ? nil : p, tags: c.tags, phase: c.phase, outbox: outbox)
            }
            let stray = try rig.journalRow(.checkin, item: Demo.holdItem, patron: nil, tags: [strayTag], phase: .accepted)
            #expect(try rig.store.openJournalEntries().count == cases.count + 1)
            #expect(try rig.store.outboxRows(.pending, limit: 10).count == 1)

            let closed = await rig.desk.reconcile()
            #expect(closed == cases.count + 1)
            #expect(try rig.store.openJournalEntries().isEmpty)

            for c in cases {
                let row = try #require(try rig.store.journalEntry(id: ids[c.item]!))
                #expect(row.phase == c.expected.rawValue, "\(c.name): \(row.phase) (\(row.note ?? ""))")
                let charged = try rig.isCharged(c.item)
                let unsecured = c.tags.map { rig.afi($0) }
                #expect(
                    unsecured.allSatisfy { $0 == (charged ? Tags.unsecured : Tags.secured) },
                    "\(c.name): charged at the ILS \(charged), tags \(unsecured.map { String(describing: $0) })")
                // What the ILS should show afterwards.
                #expect(charged == (c.expected == .done && c.kind != .checkin), "\(c.name)")
            }
            #expect(try rig.store.journalEntry(id: stray)?.phase == JournalPhase.unresolved.rawValue)
            // The cancel of a loan the ILS had undone already fell back on a checkin.
            #expect(rig.ilsEvents(item: a[9]).map(\.operation) == [.checkout, .checkin])
            // The offline loan was withdrawn from the outbox before it was ever sent.
            #expect(try rig.store.outboxRows(.pending, limit: 10).isEmpty)
            #expect(try rig.store.outboxRows(.done, limit: 10).map(\.item) == [Demo.referenceItem])
            #expect(rig.ilsEvents(item: Demo.referenceItem).allSatisfy { $0.operation == .itemInformation })

            let counters = await rig.desk.counters
            #expect(counters.reconciled == cases.count + 1)
            #expect(counters.unresolved == 1)
            #expect(await rig.desk.reconcile() == 0)
        }
    }

    /// Entries that need the ILS stay open while it is down and are settled once it is back.
    @Test func reconcileWaitsForTheILS() async throws {
        try await withRig { rig in
            let p = Demo.goodPatron
            let onPad = try Tags.item(Demo.huozhe), gone = try Tags.item(Demo.santi)
            try await rig.chargeAtILS(Demo.huozhe, to: p)
            try await rig.chargeAtILS(Demo.santi, to: p)
            try await rig.lay([onPad])
            rig.field.placeOffPad(gone)
            let sent = try rig.journalRow(.checkout, item: Demo.huozhe, patron: p, tags: [onPad], phase: .ilsSent)
            let accepted = try rig.journalRow(.checkout, item: Demo.santi, patron: p, tags: [gone], phase: .accepted)

            rig.ils.setReachable(false)
            for c in rig.pool.clients {
                try await eventually("pooled connection closed by the ILS") { await !c.isConnected }
            }
            #expect(await rig.desk.reconcile() == 0)
            #expect(try rig.store.journalEntry(id: sent)?.phase == JournalPhase.ilsSent.rawValue)
            #expect(try rig.store.journalEntry(id: accepted)?.phase == JournalPhase.accepted.rawValue)
            #expect(rig.afi(onPad) == Tags.secured)

            rig.ils.setReachable(true)
            for c in rig.pool.clients { await c.resetBackoff() }
            #expect(await rig.desk.reconcile() == 2)
            #expect(try rig.store.journalEntry(id: sent)?.phase == JournalPhase.done.rawValue)
            #expect(try rig.store.journalEntry(id: accepted)?.phase == JournalPhase.cancelled.rawValue)
            #expect(try rig.isCharged(Demo.huozhe) && rig.afi(onPad) == Tags.unsecured)
            #expect(try !rig.isCharged(Demo.santi) && rig.afi(gone) == Tags.secured)
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }
}

/// An offline loan's outbox row as the desk queues it.
func offlineLoan(_ item: String, patron: String) -> NewOutboxRow {
    let now = ILSSimulator.WallClock.unixNow()
    return NewOutboxRow(
        key: "crashed-offline-\(item)", kind: .checkout, patron: patron, item: item, transactionUnix: now,
        transactionDate: SIP2Date(unixSeconds: now).description, nbDueDate: nil,
        itemUpdate: ItemUpdate(pii: item, loanState: .onLoan))
}
