import ISO28560
import StationCore
import Testing

@Suite struct ItemPlannerTests {
    let planner = ItemPlanner()

    @Test func aCirculatingItemIsLentToAPatronInGoodStanding() throws {
        let book = try item(try Tags.hf("31110000001"))
        #expect(planner.plan(book, mode: .checkout, patron: patron()) == .checkout)
    }

    @Test func anIncompleteSetIsRefusedByDefault() throws {
        let set = try item(try Tags.hf("31110000009", set: "0301"), try Tags.hf("31110000009", set: "0303"))
        let refusal = ItemRefusal.incompleteSet(missing: [2], of: 3)
        #expect(planner.plan(set, mode: .checkout, patron: patron()) == .refuse(refusal))
        #expect(refusal.code == "incomplete-set")
        #expect(refusal.text == "part 2 of 3 is missing: put the whole set on the pad")
        // A return of half a set is refused too: the rest would be missing on the shelf.
        #expect(planner.plan(set, mode: .checkin, patron: nil) == .refuse(refusal))
    }

    @Test func theWarnRuleLetsAnIncompleteSetThrough() throws {
        let warn = ItemPlanner(incompleteSets: .warn)
        let set = try item(try Tags.hf("31110000009", set: "0301"), try Tags.hf("31110000009", set: "0303"))
        #expect(warn.plan(set, mode: .checkout, patron: patron()) == .checkout)
        #expect(warn.plan(set, mode: .checkin, patron: nil) == .checkin)
        let claimsTooMany = try item(try Tags.hf("31110000010", set: "9901"))
        #expect(warn.plan(claimsTooMany, mode: .checkout, patron: patron()) == .checkout)
        #expect(planner.plan(claimsTooMany, mode: .checkout, patron: patron()) == .refuse(.incompleteSet(missing: [], of: 99)))
    }

    @Test func aCompleteSetIsLent() throws {
        let set = try item(
            try Tags.hf("31110000009", set: "0301"), try Tags.hf("31110000009", set: "0302"), try Tags.hf("31110000009", set: "0303"))
        #expect(planner.plan(set, mode: .checkout, patron: patron()) == .checkout)
    }

    @Test func aReferenceCopyIsNotLentButIsTakenBack() throws {
        let reference = try item(try Tags.hf("31110000020", usage: 0x20))
        #expect(planner.plan(reference, mode: .checkout, patron: patron()) == .refuse(.notForLoan))
        #expect(planner.plan(reference, mode: .checkin, patron: nil) == .checkin)
        #expect(ItemRefusal.notForLoan.text == "this item is for use in the library only")
    }

    @Test(arguments: [0x70, 0x90] as [UInt8])
    func discardedItemsAndEquipmentAreNotLent(usage: UInt8) throws {
        let thing = try item(try Tags.hf("31110000021", usage: usage))
        #expect(planner.plan(thing, mode: .checkout, patron: patron()) == .refuse(.notForLoan))
        #expect(planner.plan(thing, mode: .checkin, patron: nil) == .checkin)
    }

    @Test func anItemAlreadyChargedToThePatronIsRenewed() throws {
        let book = try item(try Tags.hf("31110000001"))
        let reader = patron(charged: ["31110000005", "31110000001"])
        #expect(planner.plan(book, mode: .checkout, patron: reader) == .renew)
        // Charged to this patron means this patron's AU list, nobody else's.
        #expect(planner.plan(book, mode: .checkout, patron: patron(charged: ["31110000005"])) == .checkout)
    }

    @Test func aBlockedPatronIsRefused() throws {
        let book = try item(try Tags.hf("31110000001"))
        #expect(planner.plan(book, mode: .checkout, patron: patron(blocked: true)) == .refuse(.patronBlocked))
        #expect(ItemRefusal.patronBlocked.text == "your account is blocked: please see staff")
    }

    @Test func aBlockedPatronsRenewalOfAnItemTheyHaveGoesToTheILS() throws {
        // The renewal is decided before the block: the ILS's answer to 29 judges it (the
        // renewal-privileges flag is not one of the checkout blocks).
        let book = try item(try Tags.hf("31110000001"))
        #expect(planner.plan(book, mode: .checkout, patron: patron(blocked: true, charged: ["31110000001"])) == .renew)
    }

    @Test func aCheckoutWithoutAPatronIsRefused() throws {
        let book = try item(try Tags.hf("31110000001"))
        #expect(planner.plan(book, mode: .checkout, patron: nil) == .refuse(.patronBlocked))
    }

    @Test func anotherLibrarysItemIsRefusedWhenTheOwnersAreSet() throws {
        let ours = ItemPlanner(owners: [ourISIL, "CN-BJ0002"])
        let theirs = try item(try Tags.hf("31110000001", owner: "CN-SH0002"))
        let refusal = ItemRefusal.notOurs(owner: "CN-SH0002")
        #expect(ours.plan(theirs, mode: .checkout, patron: patron()) == .refuse(refusal))
        #expect(ours.plan(theirs, mode: .checkin, patron: nil) == .refuse(refusal))
        #expect(refusal.text == "this item belongs to another library (CN-SH0002): please return it there")
        #expect(ours.plan(try item(try Tags.hf("31110000002", owner: "CN-BJ0002")), mode: .checkout, patron: patron()) == .checkout)
        // A tag without an owner is taken for ours.
        #expect(ours.plan(try item(try Tags.hf("31110000003", owner: nil)), mode: .checkout, patron: patron()) == .checkout)
        // With no owners configured, any owner goes.
        #expect(planner.plan(theirs, mode: .checkout, patron: patron()) == .checkout)
    }

    @Test func theOwnerIsCheckedBeforeTheSet() throws {
        let ours = ItemPlanner(owners: [ourISIL])
        let theirs = try item(try Tags.hf("31110000009", owner: "CN-SH0002", set: "0201"))
        #expect(ours.plan(theirs, mode: .checkout, patron: patron()) == .refuse(.notOurs(owner: "CN-SH0002")))
    }

    @Test func aReturnNeedsNoPatron() throws {
        let book = try item(try Tags.hf("31110000001"))
        #expect(planner.plan(book, mode: .checkin, patron: nil) == .checkin)
        #expect(planner.plan(book, mode: .checkin, patron: patron(blocked: true)) == .checkin)
        let noOfflineReturn = try item(try Tags.hf("31110000001", usage: 0x14))
        #expect(planner.plan(noOfflineReturn, mode: .checkin, patron: nil) == .checkin)
    }

    @Test func refusalTextsNameTheMissingParts() {
        #expect(ItemRefusal.incompleteSet(missing: [2, 4], of: 4).text == "parts 2, 4 of 4 are missing: put the whole set on the pad")
        #expect(
            ItemRefusal.incompleteSet(missing: [2, 3, 4, 5, 6, 7], of: 7).text
                == "parts 2, 3, 4, 5, 6, … of 7 are missing: put the whole set on the pad")
        #expect(ItemRefusal.ils("").text == "the library system refused this item")
        #expect(ItemRefusal.ils("Item on hold for another patron").text == "Item on hold for another patron")
        #expect(ItemRefusal.offlineNotAllowed("no").text == "no")
        let all: [ItemRefusal] = [
            .incompleteSet(missing: [1], of: 2), .notForLoan, .patronBlocked, .notOurs(owner: "X"), .ils("x"), .offlineNotAllowed("x"),
            .unreadable,
        ]
        #expect(
            all.map(\.code) == [
                "incomplete-set", "not-for-loan", "patron-blocked", "not-ours", "ils-refused", "offline-not-allowed", "unreadable",
            ])
    }
}
