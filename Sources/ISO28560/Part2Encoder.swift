/// A memory image for an ISO 15693 tag with its lock plan.
public struct Part2Image: Sendable, Hashable {
    /// From byte 0 of block 0, padded with 0x00 to whole blocks.
    public var bytes: [UInt8]
    public var blockSize: Int
    /// Blocks that hold locked data sets (to lock after writing).
    public var lockedBlocks: [Int]
    public var dataSets: [Part2DataSet]

    /// One character per block: "l" locked, "." not ("ll....lll" for the Annex D example).
    public var lockMap: String {
        let n = bytes.count / blockSize
        return String((0..<n).map { lockedBlocks.contains($0) ? "l" : "." })
    }
}

extension Part2 {
    public struct EncodeOptions: Sendable, Hashable {
        /// 0 = no block alignment (ISO 28560-4 user memory).
        public var blockSize: Int
        /// Data sets to lock: each locked group starts and ends on a block boundary.
        public var lockedElements: Set<DataElement>
        public var includeContentParameter: Bool
        /// Append a zero block when the data ends exactly on a block boundary (for tags with stale data).
        public var terminatorBlock: Bool
        /// Tag user-memory size in bytes, if known.
        public var capacity: Int?

        public init(
            blockSize: Int = 4, lockedElements: Set<DataElement> = [.primaryItemIdentifier, .ownerInstitution],
            includeContentParameter: Bool = true, terminatorBlock: Bool = false, capacity: Int? = nil
        ) {
            self.blockSize = blockSize
            self.lockedElements = lockedElements
            self.includeContentParameter = includeContentParameter
            self.terminatorBlock = terminatorBlock
            self.capacity = capacity
        }
    }

    /// The memory image from block 0, padded to whole blocks, PII and owner locked-aligned.
    public static func encode(_ record: ItemRecord, blockSize: Int) throws(EncodeError) -> [UInt8] {
        try encodeImage(record, options: EncodeOptions(blockSize: blockSize)).bytes
    }

    struct PendingSet {
        var oid: Int
        var compaction: Compaction
        var data: [UInt8]
        var locked: Bool
        var pad: Int?  // nil = no offset byte
        var size: Int { 1 + (oid >= 15 ? 1 : 0) + (pad == nil ? 0 : 1) + 1 + data.count + (pad ?? 0) }
    }

    /// Order: PII, content parameter, unlocked elements by number, locked elements by number
    /// (the Annex D and dp2 layouts), so locked data sits in as few block groups as possible.
    public static func encodeImage(_ record: ItemRecord, options: EncodeOptions) throws(EncodeError) -> Part2Image {
        let b = options.blockSize
        guard b >= 0 && b <= 32 else { throw EncodeError.invalidBlockSize(b) }
        var sets = try pendingSets(record, options: options)
        if b > 0 { align(&sets, blockSize: b) }

        var bytes: [UInt8] = []
        var layout: [Part2DataSet] = []
        var locked: [Int] = []
        for s in sets {
            let start = bytes.count
            let nibble = s.oid >= 15 ? 0x0F : UInt8(s.oid)
            let p = (s.pad != nil ? 0x80 : 0) | s.compaction.rawValue << 4 | nibble
            bytes.append(p)
            if s.oid >= 15 { bytes.append(UInt8(s.oid - 15)) }
            if let pad = s.pad { bytes.append(UInt8(pad)) }
            bytes.append(UInt8(s.data.count))
            let dataOffset = bytes.count
            bytes += s.data
            bytes += repeatElement(0, count: s.pad ?? 0)
            layout.append(
                Part2DataSet(
                    offset: start, precursor: p, oid: s.oid, compaction: s.compaction, dataOffset: dataOffset,
                    length: s.data.count, pad: s.pad ?? 0, hasOffsetByte: s.pad != nil))
            if s.locked && b > 0 {
                for blk in (start / b)...((bytes.count - 1) / b) where !locked.contains(blk) { locked.append(blk) }
            }
        }
        if b > 0 {
            if bytes.count % b != 0 {
                bytes += repeatElement(0, count: b - bytes.count % b)
            } else if options.terminatorBlock {
                bytes += repeatElement(0, count: b)
            }
        }
        if let cap = options.capacity, bytes.count > cap {
            throw EncodeError.capacityExceeded(needed: bytes.count, capacity: cap)
        }
        return Part2Image(bytes: bytes, blockSize: max(b, 1), lockedBlocks: locked, dataSets: layout)
    }

    /// Data sets without alignment, no terminator (for ISO 28560-4 MB11, after the DSFID).
    public static func encodeDataSets(_ record: ItemRecord, includeContentParameter: Bool = true) throws(EncodeError) -> [UInt8] {
        try encodeImage(record, options: EncodeOptions(blockSize: 0, lockedElements: [], includeContentParameter: includeContentParameter))
            .bytes
    }

    static func pendingSets(_ record: ItemRecord, options: EncodeOptions) throws(EncodeError) -> [PendingSet] {
        var first: [PendingSet] = []
        var unlocked: [PendingSet] = []
        var lockedSets: [PendingSet] = []
        var bitmap: [UInt8] = []
        for (e, v) in record.sortedElements {
            guard e.rawValue >= 1 && e.rawValue <= 270 else { throw EncodeError.invalidElementNumber(e.rawValue) }
            let (code, data) = try compact(e, v)
            guard data.count <= 127 else { throw EncodeError.elementTooLong(e, bytes: data.count, max: 127) }
            let s = PendingSet(oid: e.rawValue, compaction: code, data: data, locked: options.lockedElements.contains(e))
            if e == .primaryItemIdentifier {
                first.append(s)
            } else {
                let bit = e.rawValue - 3
                while bitmap.count <= bit / 8 { bitmap.append(0) }
                bitmap[bit / 8] |= 0x80 >> UInt8(bit % 8)
                if s.locked { lockedSets.append(s) } else { unlocked.append(s) }
            }
        }
        if options.includeContentParameter && !bitmap.isEmpty {
            first.append(
                PendingSet(
                    oid: 2, compaction: .applicationDefined, data: bitmap,
                    locked: options.lockedElements.contains(.contentParameter)))
        }
        return first + unlocked + lockedSets
    }

    /// The most compact encoding the rules allow for one element.
    static func compact(_ e: DataElement, _ v: ElementValue) throws(EncodeError) -> (Compaction, [UInt8]) {
        switch v {
        case .raw(let c, let bytes): return (c, bytes)
        case .byte(let b): return (.octet, [b])  // as dp2 and GB/T 35660 tags write type of usage
        case .text(let s):
            if e.kind == .byte { throw EncodeError.invalidValue(e, "needs a one-byte value, got text") }
            if e == .setInformation && SetInformation(s) == nil {
                throw EncodeError.invalidValue(e, "set information must be an even number of digits")
            }
            return CompactionEncoder.best(s, isil: e.usesISILCompaction)
        }
    }

    /// Locked groups start on a block boundary (the previous set absorbs the gap with its offset
    /// byte and pad bytes) and end on one (the group's last set pads itself).
    static func align(_ sets: inout [PendingSet], blockSize b: Int) {
        var pos = 0
        for i in sets.indices {
            if sets[i].locked && i > 0 && !sets[i - 1].locked && pos % b != 0 {
                let gap = b - pos % b
                if let pad = sets[i - 1].pad { sets[i - 1].pad = pad + gap } else { sets[i - 1].pad = gap - 1 }
                pos += gap
            }
            pos += sets[i].size
            let groupEnds = i == sets.count - 1 || !sets[i + 1].locked
            if sets[i].locked && groupEnds && pos % b != 0 {
                if sets[i].pad == nil {
                    pos += 1  // the offset byte itself
                    let pad = (b - pos % b) % b
                    sets[i].pad = pad
                    pos += pad
                } else {
                    let gap = b - pos % b
                    sets[i].pad! += gap
                    pos += gap
                }
            }
        }
    }
}
