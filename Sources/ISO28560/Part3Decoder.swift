/// A fully decoded ISO 28560-3 memory.
public struct Part3Tag: Sendable, Hashable {
    public var record: ItemRecord
    /// High nibble of byte 0 (the model version, 1).
    public var contentParameter: Int
    /// Low nibble of byte 0: the type-of-usage main class.
    public var typeOfUsageClass: Int
    public var partsInItem: Int
    public var partNumber: Int
    public var crcStored: UInt16
    public var crcComputed: UInt16
    public var crcOK: Bool { crcStored == crcComputed }
    public var reversedBlocks: Bool
    /// True for the 32-byte basic block.
    public var truncated: Bool
    /// Owner as stored: country prefix and the rest, without the hyphen ("DK718500").
    public var ownerRaw: String
    public var extensionBlocks: [Part3ExtensionBlock]
    public var warnings: [DecodeWarning]
}

extension Part3 {
    /// Decodes the basic block and extension blocks. A CRC mismatch is reported in `crcOK`,
    /// not thrown, so tools can show the data; `decodeVerified` throws it.
    /// With `reversedBlocks` nil the block order is chosen by the CRC (normal first).
    public static func decode(_ bytes: [UInt8], reversedBlocks: Bool? = nil) throws(DecodeError) -> Part3Tag {
        let r: Result<Part3Tag, DecodeError> = bytes.withUnsafeBytes { mem in
            do throws(DecodeError) {
                guard mem.count >= truncatedBlockSize else {
                    throw DecodeError(offset: mem.count, .basicBlockTooShort(mem.count))
                }
                var reversed = reversedBlocks ?? false
                if reversedBlocks == nil {
                    let normal = HFMemory(mem)
                    if computedCRC(normal) != storedCRC(normal) && mem.count >= 32 {
                        let rev = HFMemory(mem, reversed: true)
                        if computedCRC(rev) == storedCRC(rev) { reversed = true }
                    }
                }
                return .success(try decode(HFMemory(mem, reversed: reversed)))
            } catch {
                return .failure(error)
            }
        }
        return try r.get()
    }

    /// As `decode`, but a CRC mismatch is an error (offset 19).
    public static func decodeVerified(_ bytes: [UInt8]) throws(DecodeError) -> Part3Tag {
        let tag = try decode(bytes)
        if !tag.crcOK {
            throw DecodeError(offset: 19, .crcMismatch(stored: tag.crcStored, computed: tag.crcComputed))
        }
        return tag
    }

    static func decode(_ m: HFMemory) throws(DecodeError) -> Part3Tag {
        var warnings: [DecodeWarning] = []
        var record = ItemRecord()
        let b0 = m[0]
        if !plausibleHeader(b0) {
            warnings.append(.oddity("byte 0 is 0x\(hex2(b0)): not version 1/2 with a decimal usage class"))
        }
        let usageClass = Int(b0 & 0x0F)
        if ![0, 1, 2, 7, 8, 9].contains(usageClass) {
            warnings.append(.oddity("type of usage class \(usageClass) is not one of 0, 1, 2, 7, 8, 9"))
        }
        record.typeOfUsage = UInt8(usageClass) << 4
        let parts = Int(m[1]), part = Int(m[2])
        if part > parts { warnings.append(.oddity("part number \(part) > parts in item \(parts) (bytes 1/2 swapped?)")) }
        if !(parts <= 1 && part <= 1) {
            record.setInformation = SetInformation(partsInItem: parts, partNumber: part).description
        }

        var blocks: [Part3ExtensionBlock] = []
        if m.count > basicBlockSize {
            try walkExtensionBlocks(m) { (offset, id, dataOffset, end) throws(DecodeError) in
                blocks.append(
                    Part3ExtensionBlock(
                        offset: offset, id: id, dataOffset: dataOffset, dataLength: end - dataOffset,
                        data: (dataOffset..<end).map { m[$0] }))
                if let fields = blockFields[id] {
                    try readFields(m, dataOffset, end, fields, into: &record)
                } else {
                    warnings.append(.oddity("byte \(offset): extension block type \(id) kept raw"))
                }
                return true
            }
        }

        var pii = ArraySink()
        if piiInExtension(m) {
            guard let ext = record.alternativeItemIdentifier else { throw DecodeError(offset: 3, .missingExtensionPII) }
            record.alternativeItemIdentifier = nil
            record.primaryItemIdentifier = ext
        } else {
            try copyText(m, 3, 19, into: &pii)
            record.primaryItemIdentifier = pii.string
        }
        var owner = ArraySink()
        try copyOwner(m, into: &owner)
        if owner.bytes.isEmpty {
            if let alt = record.alternativeOwnerInstitution {
                record.ownerInstitution = alt
                record.alternativeOwnerInstitution = nil
            }
        } else {
            record.ownerInstitution = owner.string
        }
        var raw = ArraySink()
        let end = min(m.count, basicBlockSize)
        try copyText(m, 21, 23, into: &raw)
        if m[21] != 0 && m[22] != 0 { try copyText(m, 23, end, into: &raw) }
        return Part3Tag(
            record: record, contentParameter: Int(b0 >> 4), typeOfUsageClass: usageClass,
            partsInItem: parts, partNumber: part, crcStored: storedCRC(m), crcComputed: computedCRC(m),
            reversedBlocks: m.reversed, truncated: m.count < basicBlockSize, ownerRaw: raw.string,
            extensionBlocks: blocks, warnings: warnings)
    }

    /// Fields of a standard block; a shortened block simply ends early.
    static func readFields(
        _ m: HFMemory, _ start: Int, _ end: Int, _ fields: [(element: DataElement, fixedByte: Bool)],
        into record: inout ItemRecord
    ) throws(DecodeError) {
        var p = start
        for f in fields {
            guard p < end else { return }
            if f.fixedByte {
                if m[p] != 0 { record.elements[f.element] = .byte(m[p]) }
                p += 1
                continue
            }
            var q = p
            while q < end && m[q] != 0 { q += 1 }
            if q > p {
                var s = ArraySink()
                try copyText(m, p, q, into: &s)
                record.elements[f.element] = .text(s.string)
            }
            p = q + 1
        }
    }
}
