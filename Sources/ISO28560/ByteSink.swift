/// Where compaction decoders put the UTF-8 bytes they produce. Generic so the gate's fast path
/// (into an inline `ItemID`) and the full decoder (into an array) share one implementation.
protocol ByteSink {
    /// False when the sink is full.
    mutating func append(_ byte: UInt8) -> Bool
}

extension ItemID: ByteSink {}

/// Discards everything: used to validate data sets the caller does not need.
struct NullSink: ByteSink {
    init() {}
    mutating func append(_ byte: UInt8) -> Bool { true }
}

struct ArraySink: ByteSink {
    var bytes: [UInt8] = []
    init() {}
    mutating func append(_ byte: UInt8) -> Bool {
        bytes.append(byte)
        return true
    }
    var string: String { String(decoding: bytes, as: UTF8.self) }
}

extension ByteSink {
    @inline(__always)
    mutating func put(_ b: UInt8, at offset: Int) throws(DecodeError) {
        if !append(b) { throw DecodeError(offset: offset, .identifierTooLong(max: UInt8(ItemID.capacity))) }
    }

    /// Latin-1 (ISO 8859-1) byte as UTF-8.
    @inline(__always)
    mutating func putLatin1(_ b: UInt8, at offset: Int) throws(DecodeError) {
        if b < 0x80 {
            try put(b, at: offset)
        } else {
            try put(0xC0 | (b >> 6), at: offset)
            try put(0x80 | (b & 0x3F), at: offset)
        }
    }
}
