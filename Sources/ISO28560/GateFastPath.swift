/// What the gate needs from a tag, as a plain value.
public struct GateItem: BitwiseCopyable, Sendable, Hashable {
    public var pii: ItemID
    /// Owner ISIL; empty when the tag carries none.
    public var owner: ItemID
    public var format: TagFormat
    /// Set information; 0 when absent (a single-part item).
    public var partsInSet: UInt8
    public var partNumber: UInt8
    /// From the AFI when one was passed (HF) or is in the PC word (UHF); else `.unknown`.
    public var security: SecurityState
    /// True when the memory given was a prefix of the tag and data sets after the PII were cut off.
    public var memoryTruncated: Bool
    /// The tag has an owner longer than `ItemID.capacity` (some Chinese ISILs): `owner` is empty,
    /// use the full decoder if the owner matters.
    public var ownerTooLong: Bool
    /// Type of usage (element 5) as `ItemRecord.typeOfUsage` holds it: main class in the high
    /// nibble, sub-class in the low one. ISO 28560-3 keeps only the class (low nibble of byte 0),
    /// so class 2 reads as 0x20; ISO 28560-2 (and 28560-4 user memory) its one-byte element 5.
    /// nil when the tag has none, when element 5 does not hold one byte (the full decoder keeps
    /// it raw), or when it lies beyond a prefix read (`memoryTruncated`).
    public var typeOfUsage: UInt8?

    public init(
        pii: ItemID, owner: ItemID = ItemID(), format: TagFormat, partsInSet: UInt8 = 0, partNumber: UInt8 = 0,
        security: SecurityState = .unknown, memoryTruncated: Bool = false, ownerTooLong: Bool = false,
        typeOfUsage: UInt8? = nil
    ) {
        self.pii = pii
        self.owner = owner
        self.format = format
        self.partsInSet = partsInSet
        self.partNumber = partNumber
        self.security = security
        self.memoryTruncated = memoryTruncated
        self.ownerTooLong = ownerTooLong
        self.typeOfUsage = typeOfUsage
    }

    /// The type of usage's main class (0 acquisition, 1 circulating, 2 not for circulation,
    /// 7 discarded, 8 patron card, 9 equipment); nil when unknown.
    public var usageClass: UInt8? { typeOfUsage.map { $0 >> 4 } }

    /// Element 5 from a data set the way the full decoder takes it: one byte in compaction
    /// 000, numeric or octet; anything else is kept raw there, so it is no type of usage here.
    mutating func takeUsage(_ ds: Part2DataSet, _ mem: UnsafeRawBufferPointer) throws(DecodeError) {
        try ds.validate(mem)
        guard ds.length == 1 else { return }
        switch ds.compaction {
        case .applicationDefined, .numeric, .octet: typeOfUsage = mem[ds.dataOffset]
        default: break
        }
    }

    /// Decodes an owner with `body`; an owner longer than 32 bytes is flagged, not an error
    /// (ISIL length checks are warnings: real Chinese ISILs exceed 16 characters).
    mutating func takeOwner(_ body: (inout ItemID) throws(DecodeError) -> Void) throws(DecodeError) {
        var o = ItemID()
        do throws(DecodeError) {
            try body(&o)
            owner = o
        } catch {
            guard case .identifierTooLong = error.reason else { throw error }
            owner = ItemID()
            ownerTooLong = true
        }
    }

    public var ownerOrNil: ItemID? { owner.isEmpty ? nil : owner }
}

public enum GateDecode: BitwiseCopyable, Sendable {
    case item(GateItem)
    case blank
    /// Recognised as not ISO 28560 (proprietary) or not recognised at all (unknown).
    case unrecognised(TagFormat)
    case malformed(DecodeError)
}

/// Allocation-free decoding of PII, owner, set information and type of usage for the gate's
/// hot path.
/// Same validation as the full decoders: every data set is checked, so a malformed tag is never
/// reported as a partial item.
public enum GateFastPath {
    /// HF (ISO 15693) user memory from block 0.
    /// - Parameters:
    ///   - isPrefix: the memory is only the first bytes of the tag (e.g. a fixed-size ring slot);
    ///     a part 2 data set running past its end is then not an error once the PII is decoded.
    public static func decode(
        hfMemory mem: UnsafeRawBufferPointer, dsfid: UInt8, afi: UInt8? = nil,
        profile: AFIProfile = .iso28560, isPrefix: Bool = false
    ) -> GateDecode {
        var result: GateDecode
        switch FormatDetection.classifyHF(mem, dsfid: dsfid) {
        case .blank: return .blank
        case .part2: result = part2(mem, start: 0, isPrefix: isPrefix)
        case .part3(let reversed): result = part3(HFMemory(mem, reversed: reversed), isPrefix: isPrefix)
        case .threeM: return .unrecognised(.threeM)
        case .part3CRCError(let s, let c): return .malformed(DecodeError(offset: 19, .crcMismatch(stored: s, computed: c)))
        case .unknown: return .unrecognised(.unknown)
        }
        if let afi, case .item(var item) = result {
            item.security = profile.state(afi: afi)
            result = .item(item)
        }
        return result
    }

    /// Data sets from `start`; PII (1), owner (3), set information (4) and type of usage (5),
    /// wherever they are; every set validated.
    static func part2(_ mem: UnsafeRawBufferPointer, start: Int, isPrefix: Bool, format: TagFormat = .part2) -> GateDecode {
        var item = GateItem(pii: ItemID(), format: format)
        var seenPII = false, havePII = false, haveOwner = false, haveSet = false, seenUsage = false
        var i = start
        do throws(DecodeError) {
            while true {
                let ds: Part2DataSet?
                do {
                    ds = try Part2DataSet.read(mem, at: i)
                } catch {
                    // A prefix read may cut the last set; that is fine once the PII is in hand.
                    if isPrefix && havePII { item.memoryTruncated = true; break }
                    throw error
                }
                guard let ds else { break }
                // The first data set of an element wins (as in the full decoder); a PII or set
                // information in code 000 is not text, so it does not count.
                switch ds.oid {
                case 1 where !seenPII:
                    seenPII = true
                    if ds.compaction != .applicationDefined {
                        try ds.decodeText(mem, into: &item.pii)
                        havePII = true
                    }
                case 3 where !haveOwner:
                    // Overflow stops the text decode early, so validate the whole set as well.
                    try item.takeOwner { (o: inout ItemID) throws(DecodeError) in try ds.decodeText(mem, into: &o) }
                    if item.ownerTooLong { var n = NullSink(); try ds.decodeText(mem, into: &n) }
                    haveOwner = true
                case 4 where !haveSet:
                    haveSet = true
                    if ds.compaction != .applicationDefined {
                        var s = ItemID()
                        try ds.decodeText(mem, into: &s)
                        (item.partsInSet, item.partNumber) = setNumbers(s)
                    }
                case 5 where !seenUsage:
                    seenUsage = true
                    try item.takeUsage(ds, mem)
                default:
                    try ds.validate(mem)
                }
                i = ds.end
            }
        } catch {
            return .malformed(error)
        }
        guard havePII else { return .malformed(DecodeError(offset: start, .missingPrimaryItemIdentifier)) }
        return .item(item)
    }

    /// "1203" → (12, 3); anything else (odd digit count, > 255) → (0, 0).
    static func setNumbers(_ s: ItemID) -> (UInt8, UInt8) {
        let n = s.count
        guard n >= 2, n % 2 == 0 else { return (0, 0) }
        var a = 0, b = 0
        for k in 0..<n {
            let c = s[k]
            guard c >= 0x30 && c <= 0x39 else { return (0, 0) }
            if k < n / 2 { a = a * 10 + Int(c - 0x30) } else { b = b * 10 + Int(c - 0x30) }
            if a > 255 || b > 255 { return (0, 0) }
        }
        return (UInt8(a), UInt8(b))
    }

    /// Basic block already CRC-checked by detection. Extension blocks are checked too (length and
    /// XOR) so the gate never takes an item from a tag the full decoder rejects.
    static func part3(_ m: HFMemory, isPrefix: Bool) -> GateDecode {
        var item = GateItem(pii: ItemID(), format: m.reversed ? .part3ReversedBlocks : .part3)
        item.partsInSet = m[1]
        item.partNumber = m[2]
        item.typeOfUsage = (m[0] & 0x0F) << 4  // the class, as the full decoder maps it
        do throws(DecodeError) {
            if m.count > Part3.basicBlockSize {
                do throws(DecodeError) {
                    try Part3.walkExtensionBlocks(m) { (_, _, _, _) throws(DecodeError) in true }
                } catch {
                    guard isPrefix, case .extensionBlockPastEnd = error.reason else { throw error }
                    item.memoryTruncated = true
                }
            }
            if Part3.piiInExtension(m) {
                guard try Part3.copyExtensionField(m, block: Part3ExtensionBlock.library, field: 1, into: &item.pii) else {
                    return .malformed(DecodeError(offset: 3, .missingExtensionPII))
                }
            } else {
                try Part3.copyText(m, 3, 19, into: &item.pii)
            }
            try Part3.copyOwner(m, into: &item.owner)
            if item.owner.isEmpty && m.count > Part3.basicBlockSize {
                try item.takeOwner { (o: inout ItemID) throws(DecodeError) in
                    _ = try Part3.copyExtensionField(m, block: Part3ExtensionBlock.library, field: 2, into: &o)
                }
            }
        } catch {
            return .malformed(error)
        }
        return .item(item)
    }
}
