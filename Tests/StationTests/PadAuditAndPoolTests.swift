import Circulation
import CirculationModel
import ILSSimulator
import Station
import StationCore
import Testing

extension StationDeskTests {
    /// Tags lying on an idle pad whose security state disagrees with the ILS are put right.
    @Test func anIdlePadAuditPutsWrongTagsRight() async throws {
        try await withRig { rig in
            let lentButSecured = try Tags.item(Demo.chargedItem, afi: Tags.secured)
            let shelvedButUnsecured = try Tags.item(Demo.huozhe, afi: Tags.unsecured)
            let right = try Tags.item(Demo.santi, afi: Tags.secured)
            try await rig.lay([lentButSecured, shelvedButUnsecured, right])
            #expect(await rig.desk.state == .idle)

            #expect(await rig.desk.auditPad() == 2)
            // Asked again at once (the pad may not have read the new states yet): nothing to do.
            #expect(await rig.desk.auditPad() == 0)
            #expect(rig.afi(lentButSecured) == Tags.unsecured)
            #expect(rig.afi(shelvedButUnsecured) == Tags.secured)
            #expect(rig.afi(right) == Tags.secured)
            #expect(rig.field.writes(right.uid) == 0)

            let fixes = try rig.store.tagFixes(limit: 10)
            #expect(fixes.count == 2)
            let byItem = Dictionary(uniqueKeysWithValues: fixes.map { ($0.item, $0) })
            #expect(byItem[Demo.chargedItem]?.fromAFI == Int(Tags.secured))
            #expect(byItem[Demo.chargedItem]?.toAFI == Int(Tags.unsecured))
            #expect(byItem[Demo.huozhe]?.toAFI == Int(Tags.secured))
            #expect(rig.events.all.contains(.tagFixed(item: Demo.chargedItem, toAFI: Tags.unsecured)))
            #expect(await rig.desk.counters.tagFixes == 2)
            // Nothing was lent or returned to do it.
            #expect(try rig.ilsItem(Demo.chargedItem).patron == Demo.goodPatron)
            #expect(try rig.ilsItem(Demo.huozhe).status == .available)

            // Once the pad reads the new states, another audit has nothing to do.
            try await eventually("the pad reading the fixed tags") {
                rig.pad.tag(.hf(lentButSecured.uid))?.afi == Tags.unsecured
                    && rig.pad.tag(.hf(shelvedButUnsecured.uid))?.afi == Tags.secured
            }
            #expect(await rig.desk.auditPad() == 0)
            #expect(try rig.store.tagFixes(limit: 10).count == 2)
        }
    }

    /// A stack costs about one round trip per pooled connection, not one per item: the ILS
    /// sees requests of several connections in flight at once.
    @Test func aStackIsWorkedOverSeveralConnectionsAtOnce() async throws {
        var options = StationRig.Options()
        options.ilsDelay = .milliseconds(300)
        options.poolSize = 3
        try await withRig(options) { rig in
            let items = Demo.availableItems
            let tags = try items.map { try Tags.item($0) }
            try await rig.lay(tags)
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            #expect(receipt.outcomes.count == 10)
            #expect(receipt.outcomes.allSatisfy { $0.result.isCheckedOut })

            let checkouts = rig.ils.events.filter { $0.operation == .checkout }
            #expect(checkouts.count == 10)
            // The most requests the ILS held at any one moment.
            let inFlight =
                checkouts.map { e in
                    checkouts.filter { $0.received <= e.received && e.received < $0.answered }.count
                }.max() ?? 0
            #expect(inFlight >= 2, "at most \(inFlight) request(s) in flight")
            #expect(inFlight <= 3, "more requests in flight than pooled connections")
            #expect(Set(checkouts.map(\.connection)).count >= 2)
            for t in tags { #expect(rig.afi(t) == Tags.unsecured) }
            for pii in items { #expect(try rig.phases(pii) == ["done"]) }
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }
}
