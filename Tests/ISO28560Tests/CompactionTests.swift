import Testing

@testable import ISO28560

/// Published and recomputed examples for each compaction (reference §2.3, §2.6).
@Suite struct CompactionTests {
    static let examples: [(Compaction, String, String)] = [
        (.integer, "123456789012", "1CBE991A14"),
        (.integer, "1203", "04B3"),
        (.numeric, "010", "010F"),
        (.numeric, "0000001", "0000001F"),
        (.fiveBit, "ABC", "0886"),
        (.fiveBit, "]^_", "EFBE"),
        (.sixBit, "QA268.L55", "441CB6E2E335D6"),
        (.sixBit, "ABC123456", "0420F1CB3D35DA"),
        (.sevenBit, "12345678", "62C99B46AD9BB8"),
        (.applicationDefined, "DE-Heu1", "21408E16BF1F"),
        (.applicationDefined, "US-InU-Mu", "ACC09EBAA06F6B"),
        (.applicationDefined, "CH-000134-1", "1A01E000134A1F"),
        (.octet, "Zürich", "5AFC72696368"),
        (.utf8, "東", "E69DB1"),
    ]

    @Test(arguments: 0..<examples.count)
    func encodesAndDecodes(_ k: Int) throws {
        let (code, text, hexText) = Self.examples[k]
        let isil = code == .applicationDefined
        #expect(CompactionEncoder.encode(text, as: code, isil: isil).map { hexString($0) } == hexText)
        #expect(try decodeText(code, hex(hexText), isil: isil) == text)
    }

    @Test func shiftedDigitReturnsToTheLatchedSet() throws {
        // upper 'A', shift-numeric, '1', then 'B' must be upper again (dp2 got this wrong).
        #expect(try decodeText(.applicationDefined, hex("0FC45F"), isil: true) == "A1B")
        #expect(ISILCompaction.encode("A1B").map { hexString($0) } == "0FC45F")
    }

    @Test func mostCompactSchemeIsChosen() {
        #expect(CompactionEncoder.best("123456789012").0 == .integer)
        #expect(CompactionEncoder.best("0012345678").0 == .numeric)
        #expect(CompactionEncoder.best("BA").0 == .fiveBit)
        #expect(CompactionEncoder.best("QA268.L55").0 == .sixBit)
        #expect(CompactionEncoder.best("ab12cd34ef").0 == .sevenBit)
        #expect(CompactionEncoder.best("Zürich").0 == .octet)
        #expect(CompactionEncoder.best("東京").0 == .utf8)
        #expect(CompactionEncoder.best("US-InU-Mu", isil: true).0 == .applicationDefined)
        // A trailing space would read back as 6-bit padding; '!'..'\'' are ambiguous in 6-bit.
        #expect(CompactionEncoder.best("AB1 ").0 != .sixBit)
        #expect(CompactionEncoder.encode("A!B", as: .sixBit) == nil)
    }

    @Test func malformedDataNamesTheByte() {
        #expect(throws: DecodeError(offset: 1, .numericNotDigit(nibble: 0xA))) { try decodeText(.numeric, hex("12A4"), isil: false) }
        #expect(throws: DecodeError(offset: 0, .numericMisplacedPad)) { try decodeText(.numeric, hex("1F23"), isil: false) }
        #expect(throws: DecodeError(offset: 0, .integerTooLong(bytes: 9))) {
            try decodeText(.integer, hex("010203040506070809"), isil: false)
        }
        #expect(throws: DecodeError(offset: 1, .invalidUTF8(0x41))) { try decodeText(.utf8, hex("C341"), isil: false) }
        #expect(throws: DecodeError(offset: 0, .invalidUTF8(0xC0))) { try decodeText(.utf8, hex("C080"), isil: false) }
        #expect(throws: DecodeError(offset: 0, .sevenBitPadInData)) { try decodeText(.sevenBit, hex("FE0000"), isil: false) }
    }

    @Test func crcCheckValues() {
        #expect(CRC16.ccittFalse(Array("123456789".utf8)) == 0x29B1)
        #expect(CRC16.ccittFalse(Array("RFID tag data model".utf8)) == 0x1AEE)
        #expect(CRC16.ccittFalse([UInt8](repeating: 0, count: 32)) == 0xF14C)
        #expect(CRC16.genibus(hex("45C2141CC04FC70BADB5C6E2DA1DED4DD319")) == 0x4723)
    }

    func decodeText(_ code: Compaction, _ bytes: [UInt8], isil: Bool) throws(DecodeError) -> String {
        var sink = ArraySink()
        let r: Result<Void, DecodeError> = bytes.withUnsafeBytes { m in
            do throws(DecodeError) {
                try CompactionDecoder.decode(code, m, 0, m.count, isil: isil, into: &sink)
                return .success(())
            } catch { return .failure(error) }
        }
        try r.get()
        return sink.string
    }
}
