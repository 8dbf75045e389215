/// Namespace for ISO 28560-3: the fixed-length layout of the Danish data model.
///
/// Basic block (34 bytes; 32 on small tags):
///   0      version (high nibble, = 1) | type-of-usage class (low nibble)
///   1, 2   parts in item, part number
///   3–18   PII, 0x00-padded (byte 3 = 0x01: PII is in the library extension block)
///   19–20  CRC-16/CCITT-FALSE over 0–18 + 21–33, low byte first
///   21–22  ISIL country prefix; 23–33 rest of the ISIL without its first hyphen
public enum Part3 {
    public static let basicBlockSize = 34
    public static let truncatedBlockSize = 32

    /// Byte 0 as ISO 28560-3 writes it: version 1 or 2, usage class a decimal digit.
    static func plausibleHeader(_ b: UInt8) -> Bool {
        (b >> 4 == 1 || b >> 4 == 2) && b & 0x0F <= 9
    }

    /// CRC over bytes 0–18 and 21–33 (32-byte tags: two 0x00 stand in for 32–33).
    static func computedCRC(_ m: HFMemory) -> UInt16 {
        var c: UInt16 = 0xFFFF
        for i in 0..<19 { c = CRC16.update(c, m[i]) }
        let end = min(m.count, basicBlockSize)
        for i in 21..<end { c = CRC16.update(c, m[i]) }
        for _ in end..<basicBlockSize { c = CRC16.update(c, 0) }
        return c
    }

    static func storedCRC(_ m: HFMemory) -> UInt16 { UInt16(m[19]) | UInt16(m[20]) << 8 }

    /// Byte 3 == 0x01 with the rest of the PII field empty: the PII lives in extension block 1.
    static func piiInExtension(_ m: HFMemory) -> Bool {
        guard m[3] == 0x01 else { return false }
        for i in 4..<19 where m[i] != 0 { return false }
        return true
    }

    /// Copies bytes `from..<to` up to the first 0x00 as text (UTF-8 if valid, else Latin-1).
    static func copyText<S: ByteSink>(_ m: HFMemory, _ from: Int, _ to: Int, into sink: inout S) throws(DecodeError) {
        var end = from
        var ascii = true
        while end < to {
            let b = m[end]
            if b == 0 { break }
            if b >= 0x80 { ascii = false }
            end += 1
        }
        if ascii || isValidUTF8(m, from, end) {
            for i in from..<end { try sink.put(m[i], at: i) }
        } else {
            for i in from..<end { try sink.putLatin1(m[i], at: i) }
        }
    }

    static func isValidUTF8(_ m: HFMemory, _ from: Int, _ end: Int) -> Bool {
        var check = NullSink()
        var bytes = InlineArray<255, UInt8>(repeating: 0)  // fields are at most one block long
        let n = min(end - from, 255)
        for k in 0..<n { bytes[k] = m[from + k] }
        return bytes.span.withUnsafeBytes { raw in
            do throws(DecodeError) {
                try CompactionDecoder.utf8(raw, 0, n, into: &check)
                return true
            } catch {
                return false
            }
        }
    }

    /// Owner ISIL from the basic block: "DK" + "718500" → "DK-718500". Empty when no owner is stored.
    static func copyOwner<S: ByteSink>(_ m: HFMemory, into sink: inout S) throws(DecodeError) {
        let end = min(m.count, basicBlockSize)
        guard m[21] != 0 else { return }
        try sink.putLatin1(m[21], at: 21)
        if m[22] != 0 { try sink.putLatin1(m[22], at: 22) }
        guard m[23] != 0 else { return }
        try sink.put(UInt8(ascii: "-"), at: 23)
        try copyText(m, 23, end, into: &sink)
    }
}
