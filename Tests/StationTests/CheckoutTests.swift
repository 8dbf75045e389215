import Circulation
import CirculationModel
import ILSSimulator
import Station
import StationCore
import Testing

typealias Demo = SimulatedCatalog.Demo

/// The desk end to end: every test lays real tags on a simulated pad, talks to the simulated
/// ILS through real SIP2 clients and checks the ILS, the tags and the store's journal.
/// Serialized: each test runs a whole station (reader thread, pad thread, ILS, store) and the
/// box running them has two cores.
@Suite("Station desk", .serialized)
struct StationDeskTests {
    @Test func aStackIsCheckedOutAndEveryTagUnsecured() async throws {
        try await withRig { rig in
            let singles = Array(Demo.availableItems.prefix(5))
            let singleTags = try singles.map { try Tags.item($0) }
            let setTags = try (1...3).map { try Tags.item(Demo.multiPartItem, set: (3, $0)) }
            let card = try Tags.patronCard(Demo.goodPatron)
            try await rig.lay(singleTags + setTags + [card])

            // The card on the pad names the patron; it is not an item of the stack.
            let contents = rig.pad.contents
            #expect(contents.items.count == 6)
            #expect(contents.items.first { $0.pii == Demo.multiPartItem }?.isComplete == true)
            let cards = contents.patronCards
            try #require(cards.count == 1)
            let patron = try #require(PatronCardMapping().patron(for: cards[0]))
            #expect(patron == Demo.goodPatron)

            guard case .welcome(let who) = await rig.desk.presentCard(patron) else {
                Issue.record("the good patron was not welcomed")
                return
            }
            #expect(who.name == "Ada Reader")
            #expect(who.charged == [Demo.chargedItem])

            let receipt = try #require(await rig.desk.checkout())
            #expect(receipt.mode == .checkout)
            #expect(receipt.outcomes.count == 6)
            #expect(!receipt.offline)
            for pii in singles + [Demo.multiPartItem] {
                let result = receipt.outcome(pii)
                #expect(result?.isCheckedOut == true, "\(pii): \(String(describing: result))")
                let state = try rig.ilsItem(pii)
                #expect(state.patron == Demo.goodPatron)
                #expect(state.checkouts == 1)
                let stored = try rig.store.item(pii)
                #expect(stored?.loanState == .onLoan)
                // The store keeps due dates as YYYY-MM-DD (like the CSV import and offline loans),
                // and the receipt shows the same day.
                let day = try #require(state.due).isoDay
                #expect(stored?.dueDate == day)
                #expect(result == .checkedOut(due: day))
                #expect(try rig.phases(pii) == ["done"])
            }
            // Titles come from the ILS (ISO 28560-3 tags carry none).
            #expect(receipt.outcomes.first { $0.item == Demo.santi }?.title == "三体")
            // One SIP2 checkout for the set, all three of its tags written.
            #expect(rig.ilsEvents(item: Demo.multiPartItem).filter { $0.operation == .checkout }.count == 1)
            for t in singleTags + setTags { #expect(rig.afi(t) == Tags.unsecured) }
            #expect(rig.afi(card) == Tags.secured)
            #expect(rig.field.writes(card.uid) == 0)
            #expect(try rig.store.openJournalEntries().isEmpty)
            let counters = await rig.desk.counters
            #expect(counters.checkouts == 6)
            #expect(counters.refusals == 0)
            #expect(receipt.text(.en).contains("6 of 6 items done"))
            #expect(receipt.text(.zh).contains("成功 6 件，共 6 件"))
        }
    }

    @Test func anIncompleteSetIsRefusedAndTheRestCheckedOut() async throws {
        try await withRig { rig in
            let singles = Array(Demo.availableItems.prefix(2))
            let singleTags = try singles.map { try Tags.item($0) }
            let setTags = try [1, 2].map { try Tags.item(Demo.multiPartItem, set: (3, $0)) }
            try await rig.lay(singleTags + setTags)
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            guard case .refused(let why) = receipt.outcome(Demo.multiPartItem) else {
                Issue.record("the incomplete set was not refused: \(String(describing: receipt.outcome(Demo.multiPartItem)))")
                return
            }
            #expect(why == .incompleteSet(missing: [3], of: 3))
            #expect(why.text.contains("missing"))
            // Never sent, never journalled, its tags never touched.
            #expect(rig.ilsEvents(item: Demo.multiPartItem).isEmpty)
            #expect(try rig.ilsItem(Demo.multiPartItem).status == .available)
            #expect(try rig.journal(Demo.multiPartItem).isEmpty)
            for t in setTags {
                #expect(rig.afi(t) == Tags.secured)
                #expect(rig.field.writes(t.uid) == 0)
            }
            for (pii, t) in zip(singles, singleTags) {
                #expect(receipt.outcome(pii)?.isCheckedOut == true)
                #expect(try rig.ilsItem(pii).patron == Demo.goodPatron)
                #expect(rig.afi(t) == Tags.unsecured)
                #expect(try rig.phases(pii) == ["done"])
            }
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    @Test func aBlockedPatronBorrowsNothingAndTheILSIsNotAsked() async throws {
        try await withRig { rig in
            let items = Array(Demo.availableItems.prefix(3))
            let tags = try items.map { try Tags.item($0) }
            try await rig.lay(tags)
            guard case .welcome(let who) = await rig.desk.presentCard(Demo.blockedPatron) else {
                Issue.record("the blocked patron was not identified")
                return
            }
            #expect(who.blocked)

            let receipt = try #require(await rig.desk.checkout())
            for pii in items {
                #expect(receipt.outcome(pii) == .refused(.patronBlocked))
                #expect(try rig.ilsItem(pii).status == .available)
                #expect(try rig.journal(pii).isEmpty)
            }
            for t in tags {
                #expect(rig.afi(t) == Tags.secured)
                #expect(rig.field.writes(t.uid) == 0)
            }
            #expect(rig.ils.events.filter { $0.operation == .checkout || $0.operation == .renew }.isEmpty)
            #expect(receipt.text(.en).contains(ItemRefusal.patronBlocked.text))
            #expect(try rig.store.patronLastGood(Demo.blockedPatron) == nil)
            #expect(await rig.desk.counters.refusals == 3)
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    @Test func anItemThePatronHasAlreadyIsRenewed() async throws {
        try await withRig { rig in
            // Its tag says secured (a return pad left it so): the renewal unsecures it again.
            let charged = try Tags.item(Demo.chargedItem)
            let other = try Tags.item(Demo.availableItems[0])
            try await rig.lay([charged, other])
            let dueBefore = try #require(try rig.ilsItem(Demo.chargedItem).due)
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            guard case .renewed(let due) = receipt.outcome(Demo.chargedItem) else {
                Issue.record("not renewed: \(String(describing: receipt.outcome(Demo.chargedItem)))")
                return
            }
            let state = try rig.ilsItem(Demo.chargedItem)
            #expect(due == (try #require(state.due)).isoDay)
            #expect(try rig.store.item(Demo.chargedItem)?.dueDate == due)
            #expect(state.renewals == 1)
            #expect(state.checkouts == 0)
            #expect(state.patron == Demo.goodPatron)
            #expect(state.due != dueBefore)
            #expect(rig.ilsEvents(item: Demo.chargedItem).map(\.operation) == [.renew])
            #expect(rig.afi(charged) == Tags.unsecured)
            let rows = try rig.journal(Demo.chargedItem)
            #expect(rows.map(\.kind) == ["renewal"])
            #expect(rows.map(\.phase) == ["done"])
            #expect(receipt.outcome(Demo.availableItems[0])?.isCheckedOut == true)
            #expect(await rig.desk.counters.renewals == 1)
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    @Test func referenceLostAndHeldItemsAreRefusedInTheirOwnWords() async throws {
        try await withRig { rig in
            let reference = try Tags.item(Demo.referenceItem, usage: 0x20)
            let lost = try Tags.item(Demo.lostItem)
            let held = try Tags.item(Demo.holdItem)
            let fine = try Tags.item(Demo.availableItems[1])
            try await rig.lay([reference, lost, held, fine])
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)

            let receipt = try #require(await rig.desk.checkout())
            // The tag says reference: refused at the station, the ILS never asked.
            #expect(receipt.outcome(Demo.referenceItem) == .refused(.notForLoan))
            #expect(rig.ilsEvents(item: Demo.referenceItem).isEmpty)
            #expect(try rig.journal(Demo.referenceItem).isEmpty)
            // The ILS refuses; the patron reads the ILS's message.
            #expect(receipt.outcome(Demo.lostItem) == .refused(.ils(ILSMessages.lost)))
            #expect(receipt.outcome(Demo.holdItem) == .refused(.ils(ILSMessages.onHoldForOther)))
            for pii in [Demo.lostItem, Demo.holdItem] {
                #expect(try rig.phases(pii) == ["refused"])
                #expect(rig.ilsEvents(item: pii).map(\.ok) == [false])
            }
            #expect(try rig.ilsItem(Demo.lostItem).status == .lost)
            #expect(try rig.ilsItem(Demo.holdItem).status == .available)
            for t in [reference, lost, held] {
                #expect(rig.afi(t) == Tags.secured)
                #expect(rig.field.writes(t.uid) == 0)
            }
            #expect(receipt.outcome(Demo.availableItems[1])?.isCheckedOut == true)
            #expect(rig.afi(fine) == Tags.unsecured)
            #expect(receipt.text(.en).contains(ILSMessages.lost))
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    @Test func returnsSecureTheTagsAndSayWhereTheItemGoes() async throws {
        try await withRig { rig in
            let lent = [Demo.availableItems[2], Demo.availableItems[3], Demo.otherBranchItem]
            let lentTags = try lent.map { try Tags.item($0) }
            try await rig.lay(lentTags)
            #expect(await rig.desk.presentCard(Demo.goodPatron).isWelcome)
            let loans = try #require(await rig.desk.checkout())
            #expect(loans.outcomes.allSatisfy { $0.result.isCheckedOut })
            for t in lentTags { #expect(rig.afi(t) == Tags.unsecured) }
            await rig.desk.endSession()
            #expect(await rig.desk.state == .idle)
            #expect(rig.ils.events.contains { $0.operation == .endSession && $0.patron == Demo.goodPatron })

            // The hold-shelf item joins the stack (it was never lent: the ILS still routes it).
            let held = try Tags.item(Demo.holdItem)
            try await rig.lay([held])

            let receipt = try #require(await rig.desk.checkin())
            #expect(receipt.mode == .checkin)
            #expect(receipt.patronName == nil)
            for pii in lent + [Demo.holdItem] {
                let state = try rig.ilsItem(pii)
                #expect(state.status == .available, "\(pii)")
                #expect(state.checkins == 1)
                #expect(try rig.store.item(pii)?.loanState == .available)
                #expect(try rig.journal(pii).last?.kind == "checkin")
                #expect(try rig.journal(pii).last?.phase == "done")
            }
            for t in lentTags + [held] { #expect(rig.afi(t) == Tags.secured) }
            #expect(receipt.outcome(lent[0]) == .returned(instruction: nil))
            #expect(receipt.outcome(lent[1]) == .returned(instruction: nil))
            #expect(
                receipt.outcome(Demo.otherBranchItem)
                    == .returned(instruction: ReturnRouting(kind: .otherBranch, destination: Demo.otherBranch, sortBin: "TRANSIT-EAST")))
            #expect(
                receipt.outcome(Demo.holdItem)
                    == .returned(instruction: ReturnRouting(kind: .holdShelf, destination: "Hold shelf", sortBin: "HOLDS")))
            #expect(receipt.text(.en).contains("put it on the hold shelf"))
            #expect(await rig.desk.counters.returns == 4)
            #expect(try rig.store.openJournalEntries().isEmpty)
        }
    }

    @Test func aStationThatAsksForPINsLocksACardAfterThreeWrongOnes() async throws {
        var options = StationRig.Options()
        options.settings.session.requirePIN = true
        try await withRig(options) { rig in
            let desk = rig.desk
            #expect(await desk.presentCard(Demo.pinPatron) == .askPIN)
            #expect(await desk.enterPIN("0000") == .refuse("wrong PIN: please try again"))
            #expect(await desk.state == .idle)

            #expect(await desk.presentCard(Demo.pinPatron) == .askPIN)
            guard case .welcome(let who) = await desk.enterPIN(Demo.pin) else {
                Issue.record("the right PIN was not accepted")
                return
            }
            #expect(who.pinValid == true)
            // The PIN goes with the checkout too (the ILS checks AD on 11).
            let tag = try Tags.item(Demo.availableItems[4])
            try await rig.lay([tag])
            let receipt = try #require(await desk.checkout())
            #expect(receipt.outcome(Demo.availableItems[4])?.isCheckedOut == true)
            #expect(try rig.ilsItem(Demo.availableItems[4]).patron == Demo.pinPatron)
            #expect(rig.afi(tag) == Tags.unsecured)
            #expect(try rig.phases(Demo.availableItems[4]) == ["done"])
            #expect(try rig.store.openJournalEntries().isEmpty)
            await desk.endSession()

            for attempt in 1...3 {
                #expect(await desk.presentCard(Demo.pinPatron) == .askPIN)
                let step = await desk.enterPIN("99\(attempt)9")
                #expect(step == .refuse(attempt < 3 ? "wrong PIN: please try again" : "too many wrong PINs: please see staff"))
            }
            guard case .refuse(let why) = await desk.presentCard(Demo.pinPatron) else {
                Issue.record("a locked card was let through")
                return
            }
            #expect(why.contains("too many wrong PINs"))
            #expect(await desk.enterPIN(Demo.pin) == .refuse("no card to check a PIN for"))
            // Only the card that failed is locked.
            #expect(await desk.presentCard(Demo.goodPatron) == .askPIN)
            let lookUps = rig.ils.events.filter { $0.operation == .patronInformation && $0.patron == Demo.pinPatron }
            #expect(lookUps.count == 5)  // wrong, right, three wrong; none once locked
        }
    }

    /// The simulated ILS checks a PIN only when one is sent (CQ is absent without AD), so a
    /// station that does not ask for PINs lets a PIN patron in on the card alone.
    @Test func withoutRequirePINThePINPatronIsWelcomedOnTheCardAlone() async throws {
        try await withRig { rig in
            guard case .welcome(let who) = await rig.desk.presentCard(Demo.pinPatron) else {
                Issue.record("the PIN patron was not welcomed")
                return
            }
            #expect(who.pinValid == nil)
        }
    }
}
