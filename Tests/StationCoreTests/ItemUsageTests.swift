import StationCore
import Testing

@Suite struct ItemUsageTests {
    @Test func noElementMeansACirculatingItem() {
        let u = ItemUsage(typeOfUsage: nil)
        #expect(u.raw == nil && u.mainClass == nil && u.subClass == nil)
        #expect(!u.isPatronCard && !u.notForCirculation && !u.notLendable && !u.noOfflineIssue && !u.noOfflineReturn)
        #expect(u.description == "unspecified")
    }

    @Test(arguments: [0x10, 0x11, 0x12, 0x16, 0x1F] as [UInt8])
    func circulatingItemsAreLentOnlineAndOffline(raw: UInt8) {
        let u = ItemUsage(typeOfUsage: raw)
        #expect(u.mainClass == 1 && u.subClass == raw & 0x0F)
        #expect(!u.notLendable && !u.noOfflineIssue && !u.noOfflineReturn && !u.isPatronCard)
    }

    @Test(arguments: [0x20, 0x21, 0x22] as [UInt8])
    func referenceCopiesAreNotForCirculation(raw: UInt8) {
        let u = ItemUsage(typeOfUsage: raw)
        #expect(u.mainClass == 2 && u.notForCirculation && u.notLendable && !u.isPatronCard)
    }

    @Test(arguments: [0x70, 0x71, 0x90, 0x91] as [UInt8])
    func discardedItemsAndEquipmentAreNotLent(raw: UInt8) {
        let u = ItemUsage(typeOfUsage: raw)
        #expect(u.notLendable && !u.notForCirculation && !u.isPatronCard)
    }

    @Test(arguments: [0x80, 0x81, 0x82, 0x83] as [UInt8])
    func classEightIsAPatronCard(raw: UInt8) {
        let u = ItemUsage(typeOfUsage: raw)
        #expect(u.isPatronCard && u.notLendable && !u.notForCirculation)
    }

    @Test(arguments: [0x00, 0x30, 0x40, 0x50, 0x60, 0xA0, 0xF0] as [UInt8])
    func otherClassesAreNotRefusedHere(raw: UInt8) {
        let u = ItemUsage(typeOfUsage: raw)
        #expect(!u.notLendable && !u.isPatronCard && !u.noOfflineIssue && !u.noOfflineReturn)
    }

    @Test func theOfflineSubClasses() {
        let issue = ItemUsage(typeOfUsage: 0x13)
        #expect(issue.noOfflineIssue && !issue.noOfflineReturn && !issue.notLendable)
        let back = ItemUsage(typeOfUsage: 0x14)
        #expect(!back.noOfflineIssue && back.noOfflineReturn && !back.notLendable)
        let neither = ItemUsage(typeOfUsage: 0x15)
        #expect(neither.noOfflineIssue && neither.noOfflineReturn && !neither.notLendable)
        // Only class 1 has these sub-classes: 0x23 is a reference copy, not an offline flag.
        let reference = ItemUsage(typeOfUsage: 0x23)
        #expect(!reference.noOfflineIssue && !reference.noOfflineReturn && reference.notForCirculation)
    }

    @Test func theDescriptionIsTwoHexDigits() {
        #expect(ItemUsage(typeOfUsage: 0x13).description == "13")
        #expect(ItemUsage(typeOfUsage: 0x0A).description == "0A")
        #expect(ItemUsage(typeOfUsage: 0xFF).description == "FF")
    }
}
