import SIP2
import StationCore
import Testing

@Suite struct PatronSummaryTests {
    @Test func aPatronInGoodStanding() throws {
        let r = try SIP2Fixtures.patronInformation(
            counts: ["0001", "0000", "0002", "0000", "0000", "0000"],
            [
                ("AO", "BJLIB"), ("AA", "P20250001"), ("AE", "李华"), ("BL", "Y"), ("CQ", "Y"), ("AU", "31110000001"), ("AU", "31110000002"),
                ("AS", "31110000100"), ("AF", "Welcome"), ("AF", "Your hold is ready"),
            ])
        let p = PatronSummary(r, patron: "P20250001")
        #expect(p.id == "P20250001" && p.name == "李华")
        #expect(p.valid && p.pinValid == true && !p.blocked && p.blocks.isEmpty)
        #expect(p.charged == ["31110000001", "31110000002"] && p.chargedCount == 2)
        #expect(p.holdsReady == 1)
        #expect(p.fines == nil)
        #expect(p.messages == ["Welcome", "Your hold is ready"])
    }

    @Test func theIdIsTheCardAsSentNotAsEchoed() throws {
        let r = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "p20250001"), ("AE", "Li Hua"), ("BL", "Y")])
        #expect(PatronSummary(r, patron: "P20250001").id == "P20250001")
    }

    @Test func validityFromBL() throws {
        let unknown = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "X1"), ("AE", ""), ("BL", "N")])
        #expect(!PatronSummary(unknown, patron: "X1").valid)
        // A name but BL=N: still not valid.
        let named = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "X1"), ("AE", "Someone"), ("BL", "N")])
        #expect(!PatronSummary(named, patron: "X1").valid)
        // Without BL, a name means the ILS found the patron.
        let noBL = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "X1"), ("AE", "Someone")])
        #expect(PatronSummary(noBL, patron: "X1").valid)
        let nothing = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "X1")])
        #expect(!PatronSummary(nothing, patron: "X1").valid)
    }

    @Test func pinValidityFromCQ() throws {
        func pin(_ cq: String?) throws -> Bool? {
            var fields = [("AO", "BJLIB"), ("AA", "P1"), ("AE", "Li"), ("BL", "Y")]
            if let cq { fields.append(("CQ", cq)) }
            return PatronSummary(try SIP2Fixtures.patronInformation(fields), patron: "P1").pinValid
        }
        #expect(try pin("Y") == true)
        #expect(try pin("N") == false)
        #expect(try pin(nil) == nil)
        #expect(try pin("") == nil)
    }

    @Test func blockedFromTheStatusFlags() throws {
        let r = try SIP2Fixtures.patronInformation(
            status: SIP2Fixtures.status(.chargePrivilegesDenied, .excessiveFines),
            [("AO", "BJLIB"), ("AA", "P2"), ("AE", "Bob"), ("BL", "Y")])
        let p = PatronSummary(r, patron: "P2")
        #expect(p.valid && p.blocked)
        #expect(p.blocks == ["chargePrivilegesDenied", "excessiveFines"])
    }

    @Test(arguments: PatronStatusFlags.checkoutBlocking)
    func everyCheckoutBlockingFlagBlocks(flag: PatronStatusFlags.Flag) throws {
        let r = try SIP2Fixtures.patronInformation(status: SIP2Fixtures.status(flag), [("AO", "BJLIB"), ("AA", "P2"), ("AE", "Bob")])
        let p = PatronSummary(r, patron: "P2")
        #expect(p.blocked && p.blocks == ["\(flag)"])
    }

    @Test func flagsThatDoNotForbidACheckoutDoNotBlock() throws {
        let r = try SIP2Fixtures.patronInformation(
            status: SIP2Fixtures.status(.renewalPrivilegesDenied, .holdPrivilegesDenied, .recallOverdue),
            [("AO", "BJLIB"), ("AA", "P3"), ("AE", "Carol")])
        let p = PatronSummary(r, patron: "P3")
        #expect(!p.blocked && p.blocks.isEmpty)
    }

    @Test func theChargedCountIsTheLargerOfTheListAndTheCount() throws {
        // Some ILSs list only a page of AU items.
        let r = try SIP2Fixtures.patronInformation(
            counts: ["0000", "0000", "0012", "0000", "0000", "0000"], [("AO", "BJLIB"), ("AA", "P4"), ("AE", "Dan"), ("AU", "31110000001")])
        let p = PatronSummary(r, patron: "P4")
        #expect(p.charged == ["31110000001"] && p.chargedCount == 12)
        let blank = try SIP2Fixtures.patronInformation(
            counts: ["    ", "    ", "    ", "    ", "    ", "    "],
            [("AO", "BJLIB"), ("AA", "P4"), ("AE", "Dan"), ("AU", "A"), ("AU", "B")])
        #expect(PatronSummary(blank, patron: "P4").chargedCount == 2)
    }

    @Test func holdsReadyAreTheListedHoldsNotAlsoUnavailable() throws {
        // This ILS lists every hold in AS and the waiting ones again in CD.
        let r = try SIP2Fixtures.patronInformation(
            counts: ["0003", "0000", "0000", "0000", "0000", "0002"],
            [("AO", "BJLIB"), ("AA", "P5"), ("AE", "Eve"), ("AS", "H1"), ("AS", "H2"), ("AS", "H3"), ("CD", "H2"), ("CD", "H3")])
        #expect(PatronSummary(r, patron: "P5").holdsReady == 1)
        // This one lists only the available holds in AS.
        let onlyReady = try SIP2Fixtures.patronInformation(
            counts: ["0002", "0000", "0000", "0000", "0000", "0001"],
            [("AO", "BJLIB"), ("AA", "P5"), ("AE", "Eve"), ("AS", "H1"), ("AS", "H2"), ("CD", "H9")])
        #expect(PatronSummary(onlyReady, patron: "P5").holdsReady == 2)
    }

    @Test func holdsReadyFromTheCountsWhenNoItemsAreListed() throws {
        let r = try SIP2Fixtures.patronInformation(
            counts: ["0004", "0000", "0000", "0000", "0000", "0001"], [("AO", "BJLIB"), ("AA", "P6"), ("AE", "Fay")])
        #expect(PatronSummary(r, patron: "P6").holdsReady == 3)
        let blanks = try SIP2Fixtures.patronInformation(
            counts: ["   2", "    ", "    ", "    ", "    ", "    "], [("AO", "BJLIB"), ("AA", "P6"), ("AE", "Fay")])
        #expect(PatronSummary(blanks, patron: "P6").holdsReady == 2)
        // More unavailable than holds (counts from two moments): never negative.
        let odd = try SIP2Fixtures.patronInformation(
            counts: ["0001", "0000", "0000", "0000", "0000", "0003"], [("AO", "BJLIB"), ("AA", "P6"), ("AE", "Fay")])
        #expect(PatronSummary(odd, patron: "P6").holdsReady == 0)
    }

    @Test func finesWithTheirCurrency() throws {
        let r = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "P7"), ("AE", "Gao"), ("BV", "12.50"), ("BH", "CNY")])
        #expect(PatronSummary(r, patron: "P7").fines == "12.50 CNY")
        let noCurrency = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "P7"), ("AE", "Gao"), ("BV", "3.00")])
        #expect(PatronSummary(noCurrency, patron: "P7").fines == "3.00")
        let blank = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "P7"), ("AE", "Gao"), ("BV", "   "), ("BH", "CNY")])
        #expect(PatronSummary(blank, patron: "P7").fines == nil)
        let empty = try SIP2Fixtures.patronInformation([("AO", "BJLIB"), ("AA", "P7"), ("AE", "Gao"), ("BV", "")])
        #expect(PatronSummary(empty, patron: "P7").fines == nil)
    }

    @Test func theMemberwiseSummaryCountsItsChargedItems() {
        let p = PatronSummary(id: "P8", name: "Hu", charged: ["A", "B", "C"], holdsReady: 2, fines: "1.00 CNY")
        #expect(p.valid && p.pinValid == nil && !p.blocked && p.chargedCount == 3 && p.holdsReady == 2)
    }
}
