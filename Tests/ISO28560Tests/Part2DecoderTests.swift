import Testing

@testable import ISO28560

@Suite struct Part2DecoderTests {
    /// Each malformed input names the byte and the reason; never a trap, never a partial item.
    static let malformed: [(String, DecodeError)] = [
        ("91", DecodeError(offset: 1, .truncated(needed: 2))),  // offset byte missing
        ("9100", DecodeError(offset: 2, .truncated(needed: 1))),  // length missing
        ("110512", DecodeError(offset: 1, .lengthPastEnd(declared: 5, available: 1))),
        ("9105011200", DecodeError(offset: 1, .padPastEnd(declared: 5, available: 1))),
        ("11811234", DecodeError(offset: 1, .multiByteLength(0x81))),
        ("1101125001AA", DecodeError(offset: 3, .invalidPrecursor(0x50))),
        ("7F", DecodeError(offset: 1, .truncated(needed: 2))),  // extension byte missing
        ("2102123A", DecodeError(offset: 3, .numericNotDigit(nibble: 0x3))),
        ("7102C328", DecodeError(offset: 3, .invalidUTF8(0x28))),
    ]

    @Test func invalidPrecursorIsOIDZero() throws {
        #expect(throws: DecodeError(offset: 3, .invalidPrecursor(0x50))) { try Part2.decode(hex("1101125001AA")) }
    }

    @Test(arguments: 0..<malformed.count)
    func malformedInputNamesOffsetAndReason(_ k: Int) {
        let (text, expected) = Self.malformed[k]
        if k == 7 {  // 0x3A: nibble A in the low half of byte 3
            #expect(throws: DecodeError(offset: 3, .numericNotDigit(nibble: 0xA))) { try Part2.decode(hex(text)) }
            return
        }
        #expect(throws: expected) { try Part2.decode(hex(text)) }
        let fast = hex(text).withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 6) }
        guard case .malformed(let e) = fast else { Issue.record("fast path: \(fast)"); return }
        #expect(e == expected)
    }

    @Test func extendedOIDByteComesBeforeTheOffsetByte() throws {
        // OID 17 (title), UTF-8, with offset: F F-nibble precursor 0xFF, ext 0x02, offset 0x01, len 2, "ab", 1 pad.
        let tag = try Part2.decode(hex("1101 05 FF 02 01 02 6162 00"))
        #expect(tag.record.title == "ab")
        #expect(tag.dataSets[1].oid == 17 && tag.dataSets[1].pad == 1 && tag.dataSets[1].hasOffsetByte)
        // The encoder writes the same order when it aligns a locked title: PII "5" (numeric) and
        // title "abc" (7-bit) form one locked group, the title pads it to 12 bytes.
        let image = try Part2.encodeImage(
            ItemRecord(primaryItemIdentifier: "5", title: "abc"),
            options: .init(blockSize: 4, lockedElements: [.primaryItemIdentifier, .title], includeContentParameter: false))
        #expect(hexString(image.bytes) == "21015FDF020203C38B1F0000")
        #expect(image.lockMap == "lll")
        #expect(try Part2.decode(image.bytes).record.title == "abc")
    }

    @Test func duplicatesKeepTheFirstAndWarn() throws {
        let tag = try Part2.decode(hex("1101 05 1101 07 00"))
        #expect(tag.record.primaryItemIdentifier == "5")
        #expect(tag.warnings.contains(.duplicateElement(.primaryItemIdentifier, offset: 3)))
    }

    @Test func staleDataAfterTheTerminatorIsIgnored() throws {
        let tag = try Part2.decode(hex("1101 05 00 FF FF FF"))
        #expect(tag.terminatorOffset == 3)
        #expect(tag.record.elements.count == 1)
    }

    @Test func contentParameterMismatchIsAWarning() throws {
        let tag = try Part2.decode(hex("1101 05 0201 C0 00"))  // lists 3 and 4, neither present
        #expect(tag.contentParameter == [3, 4])
        #expect(tag.warnings.contains(.listedButAbsent(.ownerInstitution)))
    }

    @Test func typeOfUsageInAllThreeEncodings() throws {
        for text in ["650110", "250110", "050110"] {
            #expect(try Part2.decode(hex("1101 05" + text)).record.typeOfUsage == 0x10)
        }
        // Two bytes do not fit the element: kept raw, with a warning.
        let tag = try Part2.decode(hex("1101 05 65021011"))
        #expect(tag.record[.typeOfUsage] == .raw(compaction: .octet, bytes: [0x10, 0x11]))
    }

    @Test func unknownElementsAreKept() throws {
        let tag = try Part2.decode(hex("1101 05 6F 40 02 ABCD"))  // OID 15 + 0x40 = 79, octet
        #expect(tag.record[DataElement(79)] == .raw(compaction: .octet, bytes: [0xAB, 0xCD]))
        let again = try Part2.decode(try Part2.encode(tag.record, blockSize: 4))
        #expect(again.record == tag.record)
    }

    @Test func annexDLockPlanForEightByteBlocks() throws {
        var r = ItemRecord(primaryItemIdentifier: "123456789012", ownerInstitution: "US-InU-Mu", setInformation: "1203")
        r.shelfLocation = "QA268.L55"
        let image = try Part2.encodeImage(r, options: .init(blockSize: 8))
        #expect(image.lockMap == "l..ll")
        for ds in image.dataSets where ds.oid == 1 || ds.oid == 3 {
            #expect(ds.offset % 8 == 0 && ds.end % 8 == 0)
        }
        #expect(try Part2.decode(image.bytes).record == r)
    }

    @Test func capacityIsEnforced() {
        #expect(throws: EncodeError.capacityExceeded(needed: 36, capacity: 32)) {
            var r = ItemRecord(primaryItemIdentifier: "123456789012", ownerInstitution: "US-InU-Mu", setInformation: "1203")
            r.shelfLocation = "QA268.L55"
            _ = try Part2.encodeImage(r, options: .init(blockSize: 4, capacity: 32))
        }
    }

    @Test func errorDescriptionsAreOneLine() {
        let e = DecodeError(offset: 5, .numericNotDigit(nibble: 0xC))
        #expect(e.description == "byte 5: numeric compaction nibble 0xC is not a digit")
        #expect(
            DecodeError(offset: 19, .crcMismatch(stored: 0xD549, computed: 0x59CB)).description
                == "byte 19: CRC mismatch: stored 0xD549, computed 0x59CB")
    }
}
