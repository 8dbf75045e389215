/// Namespace for ISO 28560-2 (and GB/T 35660.2): ISO/IEC 15962 no-directory data sets.
public enum Part2 {}

/// The header of one data set, as laid out in memory:
/// precursor, [extended OID byte], [offset byte], length, data, [pad bytes].
public struct Part2DataSet: Sendable, Hashable, BitwiseCopyable {
    /// Offset of the precursor.
    public var offset: Int
    public var precursor: UInt8
    public var oid: Int
    public var compaction: Compaction
    public var dataOffset: Int
    public var length: Int
    /// Pad bytes after the data (0 when there is no offset byte).
    public var pad: Int
    public var hasOffsetByte: Bool

    public var element: DataElement { DataElement(oid) }
    /// Offset of the next precursor.
    public var end: Int { dataOffset + length + pad }

    /// Reads the data set starting at `i`; nil at a terminator (0x00) or at the end of memory.
    static func read(_ mem: UnsafeRawBufferPointer, at i: Int) throws(DecodeError) -> Part2DataSet? {
        let count = mem.count
        guard i < count else { return nil }
        let p = mem[i]
        if p == 0 { return nil }
        let nibble = Int(p & 0x0F)
        if nibble == 0 { throw DecodeError(offset: i, .invalidPrecursor(p)) }
        var j = i + 1
        var oid = nibble
        if nibble == 0xF {
            guard j < count else { throw DecodeError(offset: j, .truncated(needed: 2)) }
            oid = 15 + Int(mem[j])
            j += 1
        }
        let hasOffset = p & 0x80 != 0
        var pad = 0
        if hasOffset {
            guard j < count else { throw DecodeError(offset: j, .truncated(needed: 2)) }
            pad = Int(mem[j])
            j += 1
        }
        guard j < count else { throw DecodeError(offset: j, .truncated(needed: 1)) }
        let len = mem[j]
        if len & 0x80 != 0 { throw DecodeError(offset: j, .multiByteLength(len)) }
        let dataOffset = j + 1
        let dataEnd = dataOffset + Int(len)
        if dataEnd > count { throw DecodeError(offset: j, .lengthPastEnd(declared: Int(len), available: count - dataOffset)) }
        if dataEnd + pad > count {
            throw DecodeError(offset: j - 1, .padPastEnd(declared: pad, available: count - dataEnd))
        }
        return Part2DataSet(
            offset: i, precursor: p, oid: oid, compaction: Compaction(rawValue: (p >> 4) & 7)!,
            dataOffset: dataOffset, length: Int(len), pad: pad, hasOffsetByte: hasOffset)
    }

    init(
        offset: Int, precursor: UInt8, oid: Int, compaction: Compaction, dataOffset: Int, length: Int,
        pad: Int, hasOffsetByte: Bool
    ) {
        self.offset = offset
        self.precursor = precursor
        self.oid = oid
        self.compaction = compaction
        self.dataOffset = dataOffset
        self.length = length
        self.pad = pad
        self.hasOffsetByte = hasOffsetByte
    }

    /// Checks the data is valid in its compaction (every set, needed or not: no silently partial items).
    func validate(_ mem: UnsafeRawBufferPointer) throws(DecodeError) {
        if compaction == .applicationDefined { return }  // bitmap, ISIL or raw: any bits are valid
        var sink = NullSink()
        try CompactionDecoder.decode(compaction, mem, dataOffset, dataOffset + length, isil: false, into: &sink)
    }

    /// Decodes a text value into `sink` (code 000 as ISIL compaction where the element allows it).
    func decodeText<S: ByteSink>(_ mem: UnsafeRawBufferPointer, into sink: inout S) throws(DecodeError) {
        try CompactionDecoder.decode(
            compaction, mem, dataOffset, dataOffset + length, isil: oid == 3 || oid == 11, into: &sink)
    }
}
