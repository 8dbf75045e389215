import Testing

@testable import ISO28560

@Suite struct Part4Tests {
    @Test func pcWordFields() {
        let pc = PCWord(0x45, 0xC2)
        #expect(pc.lengthWords == 8 && pc.umi && !pc.xpc && pc.toggle && pc.afi == 0xC2)
        #expect(PCWord(0x30, 0x00).afi == nil)
        #expect(PCWord(lengthWords: 8, userMemory: true, afi: 0xC2).raw == 0x45C2)
    }

    @Test func isoExampleEncodesByteForByte() throws {
        let v = Vector.named("iso28560-4-mb01-example")
        var r = ItemRecord(primaryItemIdentifier: "12345678", ownerInstitution: "CH-000134-1", setInformation: "31")
        let (uii, user) = try Part4.encode(r)
        #expect(hexString(uii.dropFirst(2)) == hexString(v.bytes.dropFirst(2)))
        #expect(user == nil && uii[0] == 0x41)  // no user memory → UMI 0
        r.title = "x"
        #expect(try Part4.encode(r).uii == v.bytes)  // with user memory → PC 45C2 as in the example
    }

    @Test func storedCRCWord() throws {
        let v = Vector.named("iso28560-4-mb01-example")
        #expect(CRC16.genibus(v.bytes) == 0x4723)
        let tag = try Part4.decodeUII([0x47, 0x23] + v.bytes, includesStoredCRC: true)
        #expect(tag.storedCRC == 0x4723 && tag.uii == "CH-000134-1.12345678.31")
    }

    @Test(arguments: [
        "123456789", "000000000123", "1234567890123456789", "abc", "Ab-9.:", "Zürich", "東京", "X Y", "12345678901234567890123",
    ])
    func code40RoundTrips(_ s: String) throws {
        let bytes = try #require(Code40.encode(s))
        #expect(bytes.count % 2 == 0)
        // (A typed-throws closure straight into withUnsafeBytes crashes swift 6.3.1's IRGen.)
        let decoded: Result<String, DecodeError> = bytes.withUnsafeBytes { m in
            var sink = ArraySink()
            do throws(DecodeError) {
                try Code40.decode(m, 0, m.count, into: &sink)
                return .success(sink.string)
            } catch { return .failure(error) }
        }
        #expect(try decoded.get() == s)
    }

    @Test func longNumericEscapeIsCompact() throws {
        // 12 digits with leading zeros: FB, (12-9)<<4 | (4-4), 4 bytes.
        #expect(Code40.encode("000000000123").map { hexString($0) } == "FB300000007B")
    }

    @Test func malformedUII() {
        #expect(throws: DecodeError(offset: 0, .uiiLengthPastEnd(words: 8, available: 4))) {
            try Part4.decodeUII(hex("45C2 141C C04F"))
        }
        #expect(throws: DecodeError(offset: 2, .code40InvalidWord(0xFA01))) { try Part4.decodeUII(hex("09C2 FA01")) }
        #expect(throws: DecodeError(offset: 0, .notISOUII)) { try Part4.decodeUII(hex("0800 E200")) }
        #expect(throws: DecodeError(offset: 0, .unexpectedDSFID(0x05))) { try Part4.decodeUserMemory(hex("05 0201D0")) }
    }

    @Test func uhfFastPathClassifies() {
        let v = Vector.named("iso28560-4-mb01-example")
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let r = v.bytes.withUnsafeBytes { GateFastPath.decode(uiiMemory: $0, userMemory: empty) }
        guard case .item(let item) = r else { Issue.record("got \(r)"); return }
        #expect(item.pii == "12345678" && item.owner == "CH-000134-1")
        #expect(item.partsInSet == 3 && item.partNumber == 1 && item.security == .checkedOut)
        let gs1 = hex("3000 E2801160 60000209 6A3B4C5D").withUnsafeBytes { GateFastPath.decode(uiiMemory: $0, userMemory: empty) }
        guard case .blank = gs1 else { Issue.record("factory blank: \(gs1)"); return }
        let epc = hex("3000 3034 1234 5678 9ABC DEF0 1234").withUnsafeBytes { GateFastPath.decode(uiiMemory: $0, userMemory: empty) }
        guard case .unrecognised(.proprietary) = epc else { Issue.record("GS1 EPC: \(epc)"); return }
    }

    @Test func userMemorySuppliesTheOwnerWhenTheUIIHasOnlyThePII() throws {
        var r = ItemRecord(primaryItemIdentifier: "12345678")
        r.title = "T"
        let mb11 =
            try [0x06] + Part2.encodeDataSets(ItemRecord(primaryItemIdentifier: nil, ownerInstitution: "US-InU-Mu", title: "T")) + [0]
        let (uii, _) = try Part4.encode(r)
        let tag = try Part4.decode(uii: uii, userMemory: mb11)
        #expect(tag.record.ownerInstitution == "US-InU-Mu" && tag.record.primaryItemIdentifier == "12345678")
        let fast = uii.withUnsafeBytes { u in mb11.withUnsafeBytes { GateFastPath.decode(uiiMemory: u, userMemory: $0) } }
        guard case .item(let item) = fast else { Issue.record("got \(fast)"); return }
        #expect(item.owner == "US-InU-Mu")
    }
}

/// What the station's tag programming must tell apart, and what readers report as "the EPC".
@Suite struct Part4FreshAndBareTests {
    /// Chip makers ship Gen2 tags with an EPC copied from their TID (class E2): writable blanks.
    @Test(arguments: [
        "3000 E280 1160 6000 0209 A0B1 C2D3",  // NXP UCODE / Impinj Monza style, PC 3000
        "3400 E200 3411 B802 0115 1234 5678",  // Alien Higgs with the UMI bit set
        "4000 E280 6894 0000 5012 3456 7890 AABB",  // 128-bit EPC
    ])
    func factoryFreshTagsAreBlank(hex: String) throws {
        let bytes = try #require(parseHex(hex))
        #expect(try TagDecoder.decodeUHF(uii: bytes).format == .blank)
        let fast = bytes.withUnsafeBytes { m in [UInt8]().withUnsafeBytes { u in GateFastPath.decode(uiiMemory: m, userMemory: u) } }
        guard case .blank = fast else { Issue.record("gate fast path: \(fast)"); return }
    }

    /// A GS1 SGTIN (header 30) or any other toggle-0 EPC is somebody's data: proprietary.
    @Test(arguments: ["3000 3074 257B F718 B2C0 0000 0001", "3000 0000 0000 0000 0000 0000 0001", "0800 E280"])
    func otherEPCsAreProprietary(hex: String) throws {
        let bytes = try #require(parseHex(hex))
        #expect(try TagDecoder.decodeUHF(uii: bytes).format == .proprietary)
    }

    @Test func aBareUIIDecodesLikeTheWholeBank() throws {
        let v = Vector.named("iso28560-4-mb01-example")
        let whole = try TagDecoder.decodeUHF(uii: v.bytes)
        let bare = try TagDecoder.decodeBareUII(Array(v.bytes.dropFirst(2)), afi: 0xC2)
        #expect(bare.format == .part4)
        #expect(bare.part4?.uii == whole.part4?.uii && bare.part4?.uii == "CH-000134-1.12345678.31")
        #expect(bare.record == whole.record)
        #expect(bare.part4?.pcDerived == true && whole.part4?.pcDerived == false)
        #expect(bare.part4?.pc.afi == 0xC2)
    }

    @Test func aBareUIIOfTheWrongLengthIsAClearError() throws {
        #expect(throws: DecodeError.self) { try TagDecoder.decodeBareUII([0x41, 0x42, 0x43]) }
        do {
            _ = try TagDecoder.decodeBareUII([UInt8](repeating: 0x41, count: 64))
            Issue.record("64 bytes accepted")
        } catch {
            #expect(error.description.contains("at most 31 words"))
        }
    }
}
