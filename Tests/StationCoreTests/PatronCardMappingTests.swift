import ISO28560
import StationCore
import Testing

@Suite struct PatronCardMappingTests {
    /// The patron card as the pad sees it.
    func card(_ id: PadTagID, _ record: ItemRecord?) throws -> PadTag {
        var tracker = PadTracker()
        tracker.observe(read(id, record, at: 0))
        return try #require(tracker.contents.patronCards.first ?? tracker.contents.unreadable.first)
    }

    @Test func byDefaultTheCardsPIIIsThePatron() throws {
        let c = try card(.hf(0xE004_0150_1234_5678), try Tags.hf("P20250001", usage: 0x81))
        #expect(PatronCardMapping().patron(for: c) == "P20250001")
        #expect(PatronCardMapping(source: .pii).patron(for: c) == "P20250001")
    }

    @Test func aCardWithoutAPIIHasNoPatronByPII() throws {
        let c = try card(.hf(0xE004_0150_1234_5678), ItemRecord(primaryItemIdentifier: nil, typeOfUsage: 0x81))
        #expect(PatronCardMapping().patron(for: c) == nil)
        let blank = try card(.hf(0xE004_0150_1234_5679), nil)
        #expect(PatronCardMapping().patron(for: blank) == nil)
    }

    @Test func theUIDAsSixteenHexDigitsForHF() throws {
        let uid = PatronCardMapping(source: .uid)
        let c = try card(.hf(0xE004_0150_1234_ABCD), try Tags.hf("P20250001", usage: 0x81))
        #expect(uid.patron(for: c) == "E00401501234ABCD")
        let small = try card(.hf(0x1F), ItemRecord(primaryItemIdentifier: nil, typeOfUsage: 0x80))
        #expect(uid.patron(for: small) == "000000000000001F")
    }

    @Test func theEPCAsHexForUHF() throws {
        let c = try card(.uhf(epc: [0x0A, 0xB0, 0x01, 0xFF], pc: 0x1000), ItemRecord(primaryItemIdentifier: "P9", typeOfUsage: 0x81))
        #expect(PatronCardMapping(source: .uid).patron(for: c) == "0AB001FF")
        #expect(PatronCardMapping(source: .pii).patron(for: c) == "P9")
    }

    @Test func aListedUIDWinsOverTheSource() throws {
        let c = try card(.hf(0xE004_0150_1234_5678), try Tags.hf("P20250001", usage: 0x81))
        let mapping = PatronCardMapping(source: .pii, byUID: ["E004015012345678": "P7777", "E004015000000000": "P0"])
        #expect(mapping.patron(for: c) == "P7777")
        #expect(PatronCardMapping(source: .uid, byUID: mapping.byUID).patron(for: c) == "P7777")
        let other = try card(.hf(0xE004_0150_1234_5679), try Tags.hf("P20250002", usage: 0x81))
        #expect(mapping.patron(for: other) == "P20250002")
        let uhf = try card(.uhf(epc: [0xAB, 0xCD], pc: 0x0800), nil)
        #expect(PatronCardMapping(source: .pii, byUID: ["ABCD": "P42"]).patron(for: uhf) == "P42")
    }
}
