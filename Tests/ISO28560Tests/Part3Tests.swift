import Testing

@testable import ISO28560

@Suite struct Part3Tests {
    @Test func extensionBlocksHaveLengthIDAndZeroXOR() throws {
        var r = ItemRecord(primaryItemIdentifier: "ab-1234/x", ownerInstitution: "DK-718500", setInformation: "32", typeOfUsage: 0x10)
        r.title = "Title"
        r.shelfLocation = "QA268"
        r.mediaFormatOther = 1
        let m = try Part3.encode(r)
        #expect(m.count % 4 == 0)
        // Block 1 (library): media format 1 only; 3 (supplement): shelf location; 4: title; then the end block.
        var i = 34
        var ids: [Int] = []
        while m[i] != 0 {
            let len = Int(m[i])
            ids.append(Int(m[i + 1]) | Int(m[i + 2]) << 8)
            #expect(m[i..<i + len].reduce(0, ^) == 0)
            i += len
        }
        #expect(ids == [1, 3, 4])
        let tag = try Part3.decodeVerified(m)
        #expect(tag.record == r)
        #expect(tag.extensionBlocks.map(\.id) == [1, 3, 4])
    }

    @Test func longPIIGoesToTheLibraryExtensionBlock() throws {
        let pii = "12345678901234567890"
        let m = try Part3.encode(ItemRecord(primaryItemIdentifier: pii, ownerInstitution: "DE-705"))
        #expect(m[3] == 0x01 && m[4] == 0x00)
        #expect(try Part3.decodeVerified(m).record.primaryItemIdentifier == pii)
        let fast = m.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 0) }
        guard case .item(let item) = fast else { Issue.record("got \(fast)"); return }
        #expect(item.pii.string == pii && item.owner == "DE-705")
    }

    @Test func ownerWithoutTwoLetterPrefixGoesToTheExtensionBlock() throws {
        let m = try Part3.encode(ItemRecord(primaryItemIdentifier: "1", ownerInstitution: "CN-130103-1-SJZLIB"))
        #expect(m[21] == 0)
        #expect(try Part3.decodeVerified(m).record.ownerInstitution == "CN-130103-1-SJZLIB")
        let fast = m.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 0) }
        guard case .item(let item) = fast else { Issue.record("got \(fast)"); return }
        #expect(item.owner == "CN-130103-1-SJZLIB")
    }

    @Test func twentyFourBitBlockIDsAndFillerBytesAreRead() throws {
        var m = try Part3.encode(ItemRecord(primaryItemIdentifier: "1"))
        m = Array(m[0..<34])
        // Filler byte, then a vendor block with 24-bit ID 0x030201 (LSB, FF, middle, MSB), then the end.
        var block: [UInt8] = [8, 0x01, 0xFF, 0x02, 0x03, 0x00, 0xAA, 0xBB]
        block[5] = block.reduce(0, ^)
        m += [0x01] + block + [0x00]
        let tag = try Part3.decodeVerified(m)
        #expect(tag.extensionBlocks.count == 1)
        #expect(tag.extensionBlocks[0].id == 0x030201 && tag.extensionBlocks[0].data == [0xAA, 0xBB])
    }

    @Test func extensionBlockErrorsNameTheByte() throws {
        let base = Array(try Part3.encode(ItemRecord(primaryItemIdentifier: "1"))[0..<34])
        #expect(throws: DecodeError(offset: 34, .extensionBlockPastEnd(length: 9, available: 4))) {
            try Part3.decode(base + [9, 4, 0, 0])
        }
        #expect(throws: DecodeError(offset: 37, .extensionBlockChecksum(0x0C))) {
            try Part3.decode(base + [5, 4, 0, 0, 0x0D, 0])
        }
    }

    @Test func truncated32ByteBlockAndReversedBlocks() throws {
        let r = ItemRecord(primaryItemIdentifier: "11223344", ownerInstitution: "DE-705", typeOfUsage: 0x10)
        let v = Vector.named("danish-ddm-32byte-libdanrfid")
        #expect(try Part3.encode(r, options: .init(truncated: true)) == v.bytes)
        let reversed = try Part3.encode(r, options: .init(truncated: true, reversedBlocks: true))
        let tag = try Part3.decodeVerified(reversed)
        #expect(tag.reversedBlocks && tag.record == r)
        #expect(try TagDecoder.decodeHF(reversed, dsfid: 0).format == .part3ReversedBlocks)
        #expect(throws: EncodeError.self) {
            var big = r
            big.title = "no room on 32 bytes"
            _ = try Part3.encode(big, options: .init(truncated: true))
        }
    }

    @Test func shortMemoryIsAnError() {
        #expect(throws: DecodeError(offset: 20, .basicBlockTooShort(20))) { try Part3.decode([UInt8](repeating: 0x11, count: 20)) }
    }
}
