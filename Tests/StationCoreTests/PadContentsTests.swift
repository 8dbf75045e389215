import ISO28560
import StationCore
import Testing

@Suite struct PadContentsTests {
    @Test func tagsAreGroupedByOwnerAndPII() throws {
        let contents = pad([
            (0xE001, try Tags.hf("31110000001", set: "0201", title: "Audio course, disc 1")),
            (0xE002, try Tags.hf("31110000002")),
            (0xE003, try Tags.hf("31110000001", set: "0202")),
            // The same number from another library is another item.
            (0xE004, try Tags.hf("31110000001", owner: "CN-SH0002")),
            // So is a tag without an owner.
            (0xE005, try Tags.hf("31110000001", owner: nil)),
        ]).contents
        #expect(contents.items.map(\.pii) == ["31110000001", "31110000002", "31110000001", "31110000001"])
        #expect(contents.items.map(\.owner) == [ourISIL, ourISIL, "CN-SH0002", ""])
        #expect(contents.items.map(\.tags.count) == [2, 1, 1, 1])
        let set = contents.items[0]
        #expect(set.tags.map(\.id) == [.hf(0xE001), .hf(0xE003)])
        #expect(set.partsInItem == 2 && set.presentParts == [1, 2] && set.missingParts.isEmpty && set.isComplete)
        #expect(set.title == "Audio course, disc 1")
        #expect(contents.patronCards.isEmpty && contents.unreadable.isEmpty && !contents.isEmpty)
    }

    @Test func itemsAreListedInTheOrderTheyWereLaidDown() throws {
        var tracker = PadTracker()
        tracker.observe(read(.hf(0xB), try Tags.hf("B"), at: 2 * sec))
        tracker.observe(read(.hf(0xA), try Tags.hf("A"), at: 3 * sec))
        tracker.observe(read(.hf(0xC), try Tags.hf("C"), at: 1 * sec))
        #expect(tracker.contents.items.map(\.pii) == ["C", "B", "A"])
    }

    @Test func aSetWithPartsOneAndThreeMissesPartTwo() throws {
        let set = try item(try Tags.hf("31110000009", set: "0301"), try Tags.hf("31110000009", set: "0303"))
        #expect(set.partsInItem == 3)
        #expect(set.presentParts == [1, 3])
        #expect(set.missingParts == [2])
        #expect(!set.isComplete)
    }

    @Test func theDanishFormatCarriesSetsToo() throws {
        let set = try item(try Tags.hfPart3("1234", set: "32"), try Tags.hfPart3("1234", set: "31"))
        #expect(set.owner == "DK-718500" && set.partsInItem == 3 && set.missingParts == [3] && !set.isComplete)
    }

    @Test func aTagClaimingMorePartsThanTheOthersWins() throws {
        // A damaged or rewritten part must not make the set look complete.
        let set = try item(try Tags.hf("31110000009", set: "0201"), try Tags.hf("31110000009", set: "0302"))
        #expect(set.partsInItem == 3 && set.missingParts == [3] && !set.isComplete)
    }

    @Test func aTagClaimingNinetyNinePartsIsNeverComplete() throws {
        let one = try item(try Tags.hf("31110000009", set: "9901"))
        #expect(one.partsInItem == 99)
        #expect(one.missingParts.isEmpty)  // not listed: too many to name
        #expect(!one.isComplete)
        let records = try (1...99).map { try Tags.hf("31110000009", set: String(99) + (($0 < 10 ? "0" : "") + String($0))) }
        let all = pad(records.enumerated().map { (UInt64(0xE000 + $0.offset), $0.element) }).contents
        #expect(all.items.count == 1)
        #expect(all.items.first?.presentParts.count == 99)
        #expect(all.items.first?.isComplete == false)
    }

    @Test func aPlainItemIsOnePartOfOne() throws {
        let book = try item(try Tags.hf("31110000001"))
        #expect(book.partsInItem == 1 && book.presentParts == [1] && book.missingParts.isEmpty && book.isComplete)
    }

    @Test func patronCardsAreNotItems() throws {
        let contents = pad([
            (0xCA4D, try Tags.hf("P20250001", usage: 0x81)),
            (0xB00C, try Tags.hf("31110000001")),
            (0xCA4E, try Tags.hfPart3("P0002", usage: 0x83)),
        ]).contents
        #expect(contents.items.map(\.pii) == ["31110000001"])
        #expect(contents.patronCards.map(\.pii) == ["P20250001", "P0002"])
        #expect(contents.patronCards.allSatisfy { $0.usage.isPatronCard })
    }

    @Test func aPatronCardWithoutAPIIIsStillACard() {
        let card = ItemRecord(primaryItemIdentifier: nil, typeOfUsage: 0x82)
        let contents = pad([(0xCA4D, card)]).contents
        #expect(contents.patronCards.count == 1 && contents.unreadable.isEmpty && contents.items.isEmpty)
    }

    @Test func tagsWithoutAPIIAreUnreadable() {
        var tracker = PadTracker()
        tracker.observe(read(.hf(1), nil, at: 0, problem: "CRC mismatch"))
        tracker.observe(read(.hf(2), ItemRecord(primaryItemIdentifier: "", ownerInstitution: ourISIL), at: 1))
        tracker.observe(read(.hf(3), ItemRecord(primaryItemIdentifier: nil, ownerInstitution: ourISIL, typeOfUsage: 0x10), at: 2))
        let contents = tracker.contents
        #expect(contents.items.isEmpty && contents.patronCards.isEmpty)
        #expect(contents.unreadable.map(\.id) == [.hf(1), .hf(2), .hf(3)])
        #expect(contents.unreadable.first?.problem == "CRC mismatch")
        #expect(!contents.isEmpty)
    }

    @Test func theUsageOfASetIsItsStrictestPart() throws {
        let withReference = try item(try Tags.hf("9", set: "0301", usage: 0x10), try Tags.hf("9", set: "0302", usage: 0x20))
        #expect(withReference.usage.notForCirculation && withReference.usage.notLendable)
        let withDiscarded = try item(try Tags.hf("9", set: "0201", usage: 0x10), try Tags.hf("9", set: "0202", usage: 0x70))
        #expect(withDiscarded.usage.notLendable)
        let oneWithout = try item(try Tags.hf("9", set: "0201", usage: nil), try Tags.hf("9", set: "0202", usage: 0x11))
        #expect(oneWithout.usage.raw == 0x11)
        let none = try item(try Tags.hf("9", set: "0201", usage: nil), try Tags.hf("9", set: "0202", usage: nil))
        #expect(none.usage == ItemUsage(typeOfUsage: nil))
    }

    @Test func aSetWithOnePartNotForOfflineWorkIsNotForOfflineWork() throws {
        let noIssue = try item(try Tags.hf("9", set: "0201", usage: 0x10), try Tags.hf("9", set: "0202", usage: 0x13))
        #expect(noIssue.usage.noOfflineIssue && !noIssue.usage.noOfflineReturn)
        let noReturn = try item(try Tags.hf("9", set: "0201", usage: 0x14), try Tags.hf("9", set: "0202", usage: 0x10))
        #expect(noReturn.usage.noOfflineReturn && !noReturn.usage.noOfflineIssue)
        let neither = try item(
            try Tags.hf("9", set: "0301", usage: 0x10), try Tags.hf("9", set: "0302", usage: 0x13),
            try Tags.hf("9", set: "0303", usage: 0x14))
        #expect(neither.usage.noOfflineIssue && neither.usage.noOfflineReturn)
        // Not lendable still wins over the offline flags.
        let reference = try item(try Tags.hf("9", set: "0201", usage: 0x15), try Tags.hf("9", set: "0202", usage: 0x20))
        #expect(reference.usage.notForCirculation)
    }
}
