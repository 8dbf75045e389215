import StationCore
import Testing

@Suite struct PadTagIDTests {
    @Test(arguments: [0, 1, 0xE004_0150_1234_ABCD, UInt64.max] as [UInt64])
    func anHFIdRoundTripsThroughTheJournal(uid: UInt64) throws {
        let id = PadTagID.hf(uid)
        #expect(id.description.hasPrefix("hf:") && id.description.utf8.count == 3 + 16)
        #expect(PadTagID(journal: id.description) == id)
    }

    @Test func theHFTextIsUpperCaseHex() {
        #expect(PadTagID.hf(0xE004_0150_1234_ABCD).description == "hf:E00401501234ABCD")
        #expect(PadTagID.hf(0x1F).description == "hf:000000000000001F")
    }

    @Test func aUHFIdRoundTripsWithoutItsPCWord() throws {
        let id = PadTagID.uhf(epc: [0xE2, 0x80, 0x11, 0x00, 0x0A, 0xFF, 0x00, 0x01], pc: 0x3007)
        #expect(id.description == "uhf:E28011000AFF0001")
        let back = try #require(PadTagID(journal: id.description))
        #expect(back == .uhf(epc: [0xE2, 0x80, 0x11, 0x00, 0x0A, 0xFF, 0x00, 0x01], pc: 0))
        #expect(back.sameTag(id))
    }

    @Test func aRealUHFTagRoundTrips() throws {
        let tag = try Tags.uhf("31110000003")
        let back = try #require(PadTagID(journal: tag.id.description))
        #expect(back.sameTag(tag.id) && back.description == tag.id.description)
    }

    @Test func lowerCaseHexIsReadToo() {
        #expect(PadTagID(journal: "hf:e00401501234abcd") == .hf(0xE004_0150_1234_ABCD))
        #expect(PadTagID(journal: "uhf:0aff") == .uhf(epc: [0x0A, 0xFF], pc: 0))
    }

    @Test(arguments: [
        "", "hf", "hf:", "HF:00000000000000FF", "hf:xyz", "hf:10000000000000000", "hf: 1", "hf:+1F", "hf:-0", "hf:1_0",
        "uhf", "uhf:", "uhf:A", "uhf:ABC", "uhf:GG", "uhf:+1", "uhf:-0", "uhf:0 ", "uhf:é1", "nfc:0011", "E004015012345678",
        "hf:00000000000000FF,hf:0000000000000100",
    ])
    func garbageIsNotAnId(text: String) {
        #expect(PadTagID(journal: text) == nil)
    }
}
