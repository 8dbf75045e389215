/// Full decoding with format detection: typed elements for tools, the station and the CLI.
public struct DecodedTag: Sendable {
    public var format: TagFormat
    public var part2: Part2Tag?
    public var part3: Part3Tag?
    public var part4: Part4Tag?
    /// Set when the data was decoded but must not be trusted (ISO 28560-3 CRC mismatch).
    public var error: DecodeError?
    /// The memory as given (shown for unknown and proprietary tags).
    public var raw: [UInt8]

    public var record: ItemRecord? { part2?.record ?? part3?.record ?? part4?.record }
    public var warnings: [DecodeWarning] { part2?.warnings ?? part3?.warnings ?? part4?.userMemory?.warnings ?? [] }
}

public enum TagDecoder {
    /// HF user memory from block 0 with the tag's DSFID. Throws for malformed data; data that
    /// only the no-DSFID fallback could have read, and failed, is `unknown`, not an error.
    public static func decodeHF(_ bytes: [UInt8], dsfid: UInt8) throws(DecodeError) -> DecodedTag {
        let cls = bytes.withUnsafeBytes { FormatDetection.classifyHF($0, dsfid: dsfid) }
        var t = DecodedTag(format: .unknown, raw: bytes)
        switch cls {
        case .blank: t.format = .blank
        case .part2:
            t.format = .part2
            t.part2 = try Part2.decode(bytes)
        case .part3(let reversed):
            t.format = reversed ? .part3ReversedBlocks : .part3
            t.part3 = try Part3.decode(bytes, reversedBlocks: reversed)
        case .part3CRCError(let stored, let computed):
            t.format = .part3
            t.part3 = try Part3.decode(bytes, reversedBlocks: false)
            t.error = DecodeError(offset: 19, .crcMismatch(stored: stored, computed: computed))
        case .threeM: t.format = .threeM
        case .unknown: t.format = .unknown
        }
        return t
    }

    /// UHF MB01 from the PC word on (or from word 0 with `includesStoredCRC`), optional MB11.
    public static func decodeUHF(
        uii: [UInt8], userMemory: [UInt8]? = nil, includesStoredCRC: Bool = false
    ) throws(DecodeError) -> DecodedTag {
        var t = DecodedTag(format: .part4, raw: uii)
        let base = includesStoredCRC ? 2 : 0
        if uii.count >= base + 2 {
            let pc = PCWord(uii[base], uii[base + 1])
            if pc.lengthWords == 0 { t.format = .blank; return t }
            if !pc.toggle {
                t.format = Part4.isFactoryFresh(pc, firstEPCByte: uii.count > base + 2 ? uii[base + 2] : nil) ? .blank : .proprietary
                return t
            }
        }
        t.part4 = try Part4.decode(uii: uii, userMemory: userMemory, includesStoredCRC: includesStoredCRC)
        return t
    }

    /// A bare UHF UII: the EPC bank's UII words without the PC word, as many readers report
    /// the "EPC". Taken as an ISO UII (URN Code 40) of the given length; the AFI is not in the
    /// data, so the security state needs `afi` (nil: unknown).
    public static func decodeBareUII(_ uii: [UInt8], userMemory: [UInt8]? = nil, afi: UInt8? = nil) throws(DecodeError) -> DecodedTag {
        var t = DecodedTag(format: .part4, raw: uii)
        if !uii.contains(where: { $0 != 0 }) { t.format = .blank; return t }
        t.part4 = try Part4.decodeBare(uii: uii, userMemory: userMemory, afi: afi)
        return t
    }

    /// UHF MB11 alone (DSFID 0x06 + part 2 data sets).
    public static func decodeUserMemory(_ bytes: [UInt8]) throws(DecodeError) -> DecodedTag {
        var t = DecodedTag(format: .part4, raw: bytes)
        if !bytes.contains(where: { $0 != 0 }) { t.format = .blank; return t }
        t.part2 = try Part4.decodeUserMemory(bytes)
        return t
    }
}
