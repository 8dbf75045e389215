import Circulation
import CirculationModel
import ILSSimulator
import Station
import StationCore
import Testing

/// The ILS goes away mid-visit: a patron seen in good standing borrows a few items through the
/// outbox, within the per-visit limit.
extension StationDeskTests {
    @Test func withTheILSDownAKnownPatronBorrowsOfflineUpToTheVisitLimit() async throws {
        try await withRig { rig in
            let items = Array(Demo.availableItems.prefix(4))
            let tags = try items.map { try Tags.item($0) }
            try await rig.lay(tags)

            // Online first: the patron is seen in good standing, the ILS says offline is fine.
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)
            #expect(try rig.store.patronLastGood(Demo.goodPatron) != nil)
            #expect(try rig.store.outboxSummary().lastACSStatus == nil)  // the desk does not record the 98
            try await rig.noteACSStatus()
            #expect(try rig.store.outboxSummary().lastACSStatus?.offlineOK == true)

            rig.ils.setReachable(false)
            for c in rig.pool.clients {
                try await eventually("pooled connection closed by the ILS") { await !c.isConnected }
            }

            let receipt = try #require(await rig.desk.checkout())
            #expect(receipt.offline)
            let limit = await rig.desk.settings.offline.maxItemsPerSession
            #expect(limit == 3)
            var lent: [String] = [], refused: [String] = []
            for (pii, tag) in zip(items, tags) {
                switch receipt.outcome(pii) {
                case .checkedOutOffline(let due):
                    lent.append(pii)
                    #expect(due.count == 10, "an ISO day: \(due)")
                    #expect(rig.afi(tag) == Tags.unsecured)
                    #expect(try rig.store.item(pii)?.loanState == .onLoan)
                    let rows = try rig.journal(pii)
                    #expect(rows.map(\.phase) == ["done"])
                    #expect(rows.first?.offline == true)
                case .refused(.offlineNotAllowed(let why)):
                    refused.append(pii)
                    #expect(why.contains("per visit"))
                    #expect(rig.afi(tag) == Tags.secured)
                    #expect(rig.field.writes(tag.uid) == 0)
                    #expect(try rig.phases(pii) == ["abandoned"])
                default:
                    Issue.record("\(pii): \(String(describing: receipt.outcome(pii)))")
                }
                // Nothing reached the ILS.
                #expect(try rig.ilsItem(pii).status == .available)
            }
            #expect(lent.count == limit)
            #expect(refused.count == items.count - limit)

            let pending = try rig.store.outboxRows(.pending, limit: 100)
            #expect(Set(pending.map(\.item)) == Set(lent))
            #expect(pending.allSatisfy { $0.kind == .checkout && $0.patron == Demo.goodPatron && $0.nbDueDate != nil })
            #expect(try rig.store.pendingOutboxCheckouts(patron: Demo.goodPatron) == limit)
            #expect(rig.ils.events.filter { $0.operation == .checkout }.isEmpty)
            #expect(await rig.desk.counters.offline == limit)
            #expect(try rig.store.openJournalEntries().isEmpty)
            #expect(receipt.text(.en).contains("Library system offline"))
        }
    }
}
