import Testing

@testable import ISO28560

@Suite struct GateFastPathTests {
    @Test(arguments: Vector.part2)
    func part2VectorsGivePIIAndOwner(_ v: Vector) throws {
        let r = withBytes(v.bytes) { GateFastPath.decode(hfMemory: $0, dsfid: 0x06) }
        guard case .item(let item) = r else { Issue.record("expected item, got \(r)"); return }
        #expect(item.pii.string == v.decoded["primary_item_identifier"] as? String)
        #expect(item.owner.string == (v.decoded["owner_institution_isil"] as? String ?? ""))
        #expect(item.format == .part2)
        if let set = v.decoded["set_information"] as? String {
            let s = try #require(SetInformation(set))
            #expect(Int(item.partsInSet) == s.partsInItem && Int(item.partNumber) == s.partNumber)
        } else {
            #expect(item.partsInSet == 0 && item.partNumber == 0)
        }
    }

    @Test func annexDWithoutDSFIDUsesStrictFallback() {
        let v = Vector.named("iso28560-2-annexD-full")
        let r = withBytes(v.bytes + [0, 0, 0, 0]) { GateFastPath.decode(hfMemory: $0, dsfid: 0x00) }
        guard case .item(let item) = r else { Issue.record("got \(r)"); return }
        #expect(item.pii == "123456789012")
        #expect(item.owner == "US-InU-Mu")
        #expect(item.partsInSet == 12 && item.partNumber == 3)
    }

    @Test(arguments: Vector.part3.filter { $0.expectedClassification == nil })
    func part3Vectors(_ v: Vector) {
        for reversed in [false, true] {
            var bytes = v.bytes
            while bytes.count % 4 != 0 { bytes.append(0) }  // tags hold whole blocks
            if reversed { for b in stride(from: 0, to: bytes.count, by: 4) { bytes[b..<b + 4].reverse() } }
            let r = withBytes(bytes) { GateFastPath.decode(hfMemory: $0, dsfid: 0, afi: 0x07) }
            guard case .item(let item) = r else { Issue.record("expected item, got \(r)"); continue }
            #expect(item.pii.string == v.decoded["primary_item_identifier"] as? String)
            #expect(item.owner.string == v.decoded["owner_institution_isil"] as? String)
            #expect(Int(item.partsInSet) == v.decoded["parts_in_item"] as? Int)
            #expect(Int(item.partNumber) == v.decoded["part_number"] as? Int)
            #expect(item.format == (reversed ? .part3ReversedBlocks : .part3))
            #expect(item.security == .secured)
        }
    }

    @Test func corruptCRCIsMalformedNamingTheCRC() {
        let v = Vector.named("derived-34byte-corrupt-crc")
        let r = withBytes(v.bytes) { GateFastPath.decode(hfMemory: $0, dsfid: 0) }
        guard case .malformed(let e) = r else { Issue.record("got \(r)"); return }
        #expect(e.offset == 19)
        #expect(e.reason == .crcMismatch(stored: 54601, computed: 22987))
    }

    @Test func bibliothecaDM11IsNotISO() {
        let v = Vector.named("bibliotheca-dm11-proprietary")
        let r = withBytes(v.bytes) { GateFastPath.decode(hfMemory: $0, dsfid: 0) }
        guard case .unrecognised(let f) = r else { Issue.record("got \(r)"); return }
        #expect(f == .unknown || f == .proprietary)
    }

    @Test func blankAndThreeM() {
        #expect(isBlank(withBytes([UInt8](repeating: 0, count: 32)) { GateFastPath.decode(hfMemory: $0, dsfid: 0) }))
        #expect(isBlank(withBytes([UInt8](repeating: 0, count: 32)) { GateFastPath.decode(hfMemory: $0, dsfid: 6) }))
        let threeM: [UInt8] = [0x04, 0x11, 0x00, 0x01] + Array("1301234567".utf8) + [UInt8](repeating: 0, count: 18)
        let r = withBytes(threeM) { GateFastPath.decode(hfMemory: $0, dsfid: 0) }
        guard case .unrecognised(.threeM) = r else { Issue.record("got \(r)"); return }
    }

    @Test func malformedNumericNamesOffsetAndNibble() {
        // PII in numeric compaction with a C nibble at byte 3.
        let r = withBytes(hex("2103 12 C4 56 00")) { GateFastPath.decode(hfMemory: $0, dsfid: 6) }
        guard case .malformed(let e) = r else { Issue.record("got \(r)"); return }
        #expect(e.description == "byte 3: numeric compaction nibble 0xC is not a digit")
    }

    @Test func securityFromProfiles() {
        #expect(AFIProfile.iso28560.state(afi: 0x07) == .secured)
        #expect(AFIProfile.iso28560.state(afi: 0xC2) == .checkedOut)
        #expect(AFIProfile.iso28560.state(afi: 0xD7) == .unknown)
        #expect(AFIProfile.threeM.state(afi: 0xD7) == .secured)
        #expect(AFIProfile.threeM.state(afi: 0xDA) == .checkedOut)
        #expect(AFIProfile(name: "3M") == .threeM)
        #expect(AFIProfile(name: "libdanrfid")?.state(afi: 0x21) == .checkedOut)
        #expect(AFIProfile(name: "nope") == nil)
        let both = AFIProfile(secured: [0x07, 0x99], checkedOut: [0x99, 0xC2])
        #expect(both.state(afi: 0x99) == .secured)  // fail safe
    }

    private func isBlank(_ r: GateDecode) -> Bool {
        if case .blank = r { return true }
        return false
    }
}

@Suite struct GateFastPathLimitsTests {
    /// Chinese ISILs can exceed 16 characters (and 32 bytes): a flag, not a rejected item.
    @Test func ownerLongerThan32BytesIsFlagged() throws {
        let longISIL = "CN-130103-1-SJZLIB-BRANCH-LIBRARY-NORTH"
        let r = ItemRecord(primaryItemIdentifier: "1234567", ownerInstitution: longISIL)
        let image = try Part2.encode(r, blockSize: 4)
        let fast = image.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 6) }
        guard case .item(let item) = fast else { Issue.record("got \(fast)"); return }
        #expect(item.pii == "1234567")
        #expect(item.owner.isEmpty && item.ownerTooLong)
        #expect(try Part2.decode(image).record.ownerInstitution == longISIL)

        let (uii, user) = try Part4.encode(r)
        let uhf = uii.withUnsafeBytes { u in (user ?? []).withUnsafeBytes { GateFastPath.decode(uiiMemory: u, userMemory: $0) } }
        guard case .item(let uhfItem) = uhf else { Issue.record("got \(uhf)"); return }
        #expect(uhfItem.pii == "1234567" && uhfItem.ownerTooLong)
    }

    @Test func piiLongerThan32BytesIsNamedNotTruncated() throws {
        let image = try Part2.encode(ItemRecord(primaryItemIdentifier: String(repeating: "x", count: 40)), blockSize: 4)
        let fast = image.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 6) }
        guard case .malformed(let e) = fast else { Issue.record("got \(fast)"); return }
        #expect(e.reason == .identifierTooLong(max: 32))
    }

    /// A 64-byte ring slot can cut a long tag: with `isPrefix` the PII still comes through, flagged.
    @Test func prefixReadKeepsThePII() throws {
        var r = ItemRecord(primaryItemIdentifier: "123456789012", ownerInstitution: "US-InU-Mu")
        r.title = String(repeating: "A long title ", count: 6)
        let image = try Part2.encode(r, blockSize: 4)
        let slot = Array(image.prefix(40))
        let strict = slot.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 6) }
        guard case .malformed = strict else { Issue.record("strict decode should fail, got \(strict)"); return }
        let lenient = slot.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 6, isPrefix: true) }
        guard case .item(let item) = lenient else { Issue.record("got \(lenient)"); return }
        #expect(item.pii == "123456789012" && item.memoryTruncated)
    }
}

/// Type of usage (element 5): the fast path reports it as the full decoder's `record.typeOfUsage`
/// (class in the high nibble), so the gate can alarm on items not for circulation (class 2).
@Suite struct GateFastPathUsageTests {
    private func hfItem(_ bytes: [UInt8], dsfid: UInt8, isPrefix: Bool = false) -> GateItem? {
        let r = withBytes(bytes) { GateFastPath.decode(hfMemory: $0, dsfid: dsfid, afi: 0xC2, isPrefix: isPrefix) }
        guard case .item(let item) = r else { Issue.record("expected an item, got \(r)"); return nil }
        return item
    }

    /// ISO 28560-3 keeps the class in the low nibble of byte 0; it reads as class << 4 (2 → 0x20).
    @Test(arguments: [(UInt8(0x20), UInt8(2)), (0x10, 1), (0x00, 0), (0x70, 7)])
    func part3ClassFromByte0(_ usage: UInt8, _ cls: UInt8) throws {
        let image = try Part3.encode(ItemRecord(primaryItemIdentifier: "39010000000042", ownerInstitution: "DK-718500", typeOfUsage: usage))
        #expect(image[0] == 0x10 | cls)
        let item = try #require(hfItem(image, dsfid: 0))
        #expect(item.typeOfUsage == usage && item.usageClass == cls)
        #expect(item.security == .checkedOut)
        #expect(item.typeOfUsage == (try Part3.decode(image)).record.typeOfUsage)
    }

    /// A part 3 tag always carries a class: one written without a type of usage is class 1.
    @Test func part3WithoutUsageIsClass1() throws {
        let image = try Part3.encode(ItemRecord(primaryItemIdentifier: "39010000000043"))
        let item = try #require(hfItem(image, dsfid: 0))
        #expect(item.usageClass == 1)
    }

    @Test func part2WithoutElement5HasNone() throws {
        let image = try Part2.encode(ItemRecord(primaryItemIdentifier: "123456789012", ownerInstitution: "US-InU-Mu"), blockSize: 4)
        let item = try #require(hfItem(image, dsfid: 6))
        #expect(item.typeOfUsage == nil && item.usageClass == nil)
        #expect(hfItem(Vector.named("iso28560-2-annexD-full").bytes, dsfid: 6)?.typeOfUsage == nil)
    }

    @Test func part2Element5AsTheEncoderWritesIt() throws {
        let r = ItemRecord(primaryItemIdentifier: "123456789012", ownerInstitution: "US-InU-Mu", setInformation: "1203", typeOfUsage: 0x21)
        let image = try Part2.encode(r, blockSize: 4)
        let item = try #require(hfItem(image, dsfid: 6))
        #expect(item.typeOfUsage == 0x21 && item.usageClass == 2)
        #expect(item.pii == "123456789012" && item.owner == "US-InU-Mu" && item.partsInSet == 12)
    }

    /// Hand-made data sets: the compactions seen on real tags (octet, numeric, code 000), element 5
    /// before or after the PII, duplicates (first wins) and sets that do not fit one byte (kept raw
    /// by the full decoder, so no usage). Each is checked against the full decoder too.
    @Test(arguments: [
        ("6103414243 650121 00", UInt8?(0x21)),  // octet, after the PII
        ("650120 6103414243 00", 0x20),  // before the PII
        ("6103414243 250120 00", 0x20),  // numeric, as one vendor writes it
        ("6103414243 050120 00", 0x20),  // application-defined (code 000)
        ("6103414243 650110 650120 00", 0x10),  // the first set of an element wins
        ("6103414243 65022001 00", nil),  // two bytes: not a type of usage
        ("6103414243 750120 00", nil),  // UTF-8: not one of the three compactions
        ("6103414243 E5020120 0000 00", 0x20),  // with an offset byte and pad
    ])
    func part2Element5Variants(_ text: String, _ expected: UInt8?) throws {
        let bytes = hex(text)
        let item = try #require(hfItem(bytes, dsfid: 6))
        #expect(item.pii == "ABC")
        #expect(item.typeOfUsage == expected)
        #expect(item.typeOfUsage == (try Part2.decode(bytes)).record.typeOfUsage)
    }

    /// A ring slot holds the first 64 bytes: an element 5 behind them is not seen, and the
    /// item is flagged `memoryTruncated` (the gate then has no class to alarm on).
    @Test func part2Element5PastAPrefixIsNotSeen() {
        let shelf = [UInt8(0x66), 60] + [UInt8](repeating: 0x41, count: 60)  // element 6, 60 bytes
        let full = hex("6103414243") + shelf + hex("650120 00")
        #expect(hfItem(full, dsfid: 6)?.typeOfUsage == 0x20)
        let prefix = hfItem(Array(full.prefix(64)), dsfid: 6, isPrefix: true)
        #expect(prefix?.typeOfUsage == nil && prefix?.memoryTruncated == true)
        // In front of the cut it is seen.
        let early = hex("6103414243 650120") + shelf + hex("00")
        let cut = hfItem(Array(early.prefix(64)), dsfid: 6, isPrefix: true)
        #expect(cut?.typeOfUsage == 0x20 && cut?.memoryTruncated == true)
    }

    @Test func uhfUsageFromUserMemory() throws {
        let r = ItemRecord(primaryItemIdentifier: "123456789012", ownerInstitution: "US-InU-Mu", typeOfUsage: 0x20)
        let (uii, user) = try Part4.encode(r, afi: 0xC2)
        let userBytes = try #require(user)
        let fast = uii.withUnsafeBytes { u in userBytes.withUnsafeBytes { GateFastPath.decode(uiiMemory: u, userMemory: $0) } }
        guard case .item(let item) = fast else { Issue.record("got \(fast)"); return }
        #expect(item.usageClass == 2)
        // Without MB11 (what the gate's UHF readers pass) there is none.
        let bare = uii.withUnsafeBytes { GateFastPath.decode(uiiMemory: $0, userMemory: UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard case .item(let bareItem) = bare else { Issue.record("got \(bare)"); return }
        #expect(bareItem.typeOfUsage == nil)
    }
}
