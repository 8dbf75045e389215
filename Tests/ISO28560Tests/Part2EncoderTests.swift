import Testing

@testable import ISO28560

@Suite struct Part2EncoderTests {
    @Test func annexDIsReproducedByteForByteWithItsLockMap() throws {
        let v = Vector.named("iso28560-2-annexD-full")
        var r = ItemRecord(primaryItemIdentifier: "123456789012", ownerInstitution: "US-InU-Mu", setInformation: "1203")
        r.shelfLocation = "QA268.L55"
        let image = try Part2.encodeImage(r, options: .init(blockSize: 4))
        #expect(hexString(image.bytes) == hexString(v.bytes))
        #expect(image.lockMap == v.lockedBlocks)
        #expect(try Part2.encode(r, blockSize: 4) == v.bytes)
    }

    @Test func piiOnlyTag() throws {
        let v = Vector.named("iso28560-2-pii-only")
        #expect(try Part2.encode(ItemRecord(primaryItemIdentifier: "123456789012"), blockSize: 4) == v.bytes)
    }
}
