import ILSSimulator
import Station
import StationCore
import Testing

/// Tags that do not take their new state: the patron is told "done" only for a tag that reads
/// it back; a loan whose tag cannot be unsecured is cancelled at the ILS.
extension StationDeskTests {
    @Test func aWriteThatFailsOnceIsRetriedAndDone() async throws {
        try await withRig { rig in
            let pii = Demo.availableItems[5]
            let tag = try Tags.item(pii)
            rig.field.failWrites(tag.uid, times: 1)
            try await rig.lay([tag])
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            #expect(receipt.outcome(pii)?.isCheckedOut == true)
            #expect(rig.afi(tag) == Tags.unsecured)
            #expect(rig.field.writes(tag.uid) == 2)
            #expect(await rig.desk.counters.writeRetries >= 1)
            #expect(try rig.ilsItem(pii).patron == Demo.goodPatron)
            #expect(try rig.phases(pii) == ["done"])
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    /// (a) every write fails (the reader answers "no transponder"), (b) writes are acknowledged
    /// but the tag keeps its AFI: both loans are cancelled at the ILS, the tags stay secured.
    @Test func aTagThatNeverTakesItsNewStateCancelsTheLoan() async throws {
        try await withRig { rig in
            let failing = Demo.availableItems[6], unapplied = Demo.availableItems[7], fine = Demo.availableItems[8]
            let failingTag = try Tags.item(failing), unappliedTag = try Tags.item(unapplied), fineTag = try Tags.item(fine)
            rig.field.failWrites(failingTag.uid, times: .max)
            rig.field.acknowledgeWithoutApplying(unappliedTag.uid)
            try await rig.lay([failingTag, unappliedTag, fineTag])
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            let attempts = await rig.desk.settings.writeAttempts
            for (pii, tag) in [(failing, failingTag), (unapplied, unappliedTag)] {
                guard case .cancelled = receipt.outcome(pii) else {
                    Issue.record("\(pii) not cancelled: \(String(describing: receipt.outcome(pii)))")
                    continue
                }
                #expect(rig.afi(tag) == Tags.secured)
                #expect(rig.field.writes(tag.uid) == attempts)
                let state = try rig.ilsItem(pii)
                #expect(state.status == .available)
                #expect(state.checkouts == 1)
                #expect(state.cancels == 1)
                let checkouts = rig.ilsEvents(item: pii).filter { $0.operation == .checkout }
                #expect(checkouts.map(\.cancel) == [false, true])
                #expect(checkouts.allSatisfy { $0.ok })
                #expect(try rig.phases(pii) == ["cancelled"])
                #expect(try rig.store.item(pii)?.loanState == .available)
            }
            #expect(receipt.outcome(fine)?.isCheckedOut == true)
            #expect(rig.afi(fineTag) == Tags.unsecured)
            let counters = await rig.desk.counters
            #expect(counters.cancelled == 2)
            #expect(counters.writeRetries >= 2 * (attempts - 1))
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    /// A set whose last part will not take the write: the parts already unsecured are secured
    /// again and the loan cancelled, so no part leaves unsecured without a loan.
    @Test func aSetWithAPartThatWillNotTakeTheWriteIsCancelledWhole() async throws {
        try await withRig { rig in
            let parts = try (1...3).map { try Tags.item(Demo.multiPartItem, set: (3, $0)) }
            try await rig.lay(parts)
            let order = try #require(rig.pad.contents.items.first?.tags.map(\.id))
            guard case .hf(let lastUID) = try #require(order.last) else { return }
            rig.field.acknowledgeWithoutApplying(lastUID)
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            guard case .cancelled = receipt.outcome(Demo.multiPartItem) else {
                Issue.record("not cancelled: \(String(describing: receipt.outcome(Demo.multiPartItem)))")
                return
            }
            for t in parts { #expect(rig.afi(t) == Tags.secured, "part \(PadTagID.hf(t.uid))") }
            // The parts before the failing one were unsecured, then secured again.
            for t in parts where t.uid != lastUID { #expect(rig.field.writes(t.uid) == 2) }
            #expect(try rig.ilsItem(Demo.multiPartItem).status == .available)
            #expect(try rig.phases(Demo.multiPartItem) == ["cancelled"])
            #expect(rig.ilsEvents(item: Demo.multiPartItem).filter { $0.operation == .checkout }.map(\.cancel) == [false, true])
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    @Test func aTagLiftedMidWriteAndNotPutBackCancelsTheLoan() async throws {
        try await withRig { rig in
            let pii = Demo.availableItems[9]
            let tag = try Tags.item(pii)
            rig.field.liftOnFirstWrite(tag.uid)
            try await rig.lay([tag])
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            guard case .cancelled = receipt.outcome(pii) else {
                Issue.record("not cancelled: \(String(describing: receipt.outcome(pii)))")
                return
            }
            #expect(rig.field.lifts == 1)
            #expect(rig.afi(tag) == Tags.secured)
            let state = try rig.ilsItem(pii)
            #expect(state.status == .available)
            #expect(state.cancels == 1)
            #expect(try rig.phases(pii) == ["cancelled"])
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    @Test func aTagLiftedMidWriteAndPutBackWithinTheGraceIsDone() async throws {
        var options = StationRig.Options()
        // Longer than the pad takes to notice the lift, so the patron is asked to put it back.
        options.settings.liftGraceNanos = 6_000_000_000
        try await withRig(options) { rig in
            let pii = Demo.santi
            let tag = try Tags.item(pii)
            rig.field.liftOnFirstWrite(tag.uid)
            try await rig.lay([tag])
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let desk = rig.desk
            let working = Task { await desk.checkout() }
            try await eventually("the tag lifted by the first write") { rig.field.lifts == 1 }
            try await rig.waitOffPad(tag.uid)
            try await eventually("the desk asking for the item back") {
                rig.events.all.contains(.putBack(item: pii, title: nil))
            }
            rig.field.putBack(tag.uid)

            let receipt = try #require(await working.value)
            #expect(receipt.outcome(pii)?.isCheckedOut == true, "\(String(describing: receipt.outcome(pii)))")
            #expect(rig.afi(tag) == Tags.unsecured)
            #expect(try rig.ilsItem(pii).patron == Demo.goodPatron)
            #expect(try rig.ilsItem(pii).cancels == 0)
            #expect(try rig.phases(pii) == ["done"])
            #expect(await rig.desk.counters.writeRetries >= 1)
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }
}
