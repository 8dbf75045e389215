/// Decoding of compacted bytes `mem[start..<end]` into UTF-8. Errors name the offending byte.
enum CompactionDecoder {
    /// Decodes text compactions 1–7 and, when `isil` is set, code 0 as ISIL compaction.
    /// Code 0 without `isil` copies bytes as Latin-1 (callers handle bitmaps and raw data).
    static func decode<S: ByteSink>(
        _ code: Compaction, _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int,
        isil: Bool, into sink: inout S
    ) throws(DecodeError) {
        switch code {
        case .applicationDefined:
            if isil { try ISILCompaction.decode(mem, start, end, into: &sink) } else { try octet(mem, start, end, into: &sink) }
        case .integer: try integer(mem, start, end, into: &sink)
        case .numeric: try numeric(mem, start, end, into: &sink)
        case .fiveBit: try fiveBit(mem, start, end, into: &sink)
        case .sixBit: try sixBit(mem, start, end, into: &sink)
        case .sevenBit: try sevenBit(mem, start, end, into: &sink)
        case .octet: try octet(mem, start, end, into: &sink)
        case .utf8: try utf8(mem, start, end, into: &sink)
        }
    }

    /// Unsigned big-endian binary → decimal digits (no leading zeros; 0 → "0").
    static func integer<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        let n = end - start
        if n == 0 { throw DecodeError(offset: start, .integerEmpty) }
        if n > 8 { throw DecodeError(offset: start, .integerTooLong(bytes: n)) }
        var v: UInt64 = 0
        for i in start..<end { v = v << 8 | UInt64(mem[i]) }
        // Two digits per division: the divide-by-constant chain is the cost on the gate's hot path.
        var digits = InlineArray<20, UInt8>(repeating: 0x30)
        var k = 20
        while v >= 100 {
            let q = v / 100
            let r = UInt8(truncatingIfNeeded: v &- q &* 100)
            k -= 2
            digits[k] = 0x30 &+ r / 10
            digits[k + 1] = 0x30 &+ r % 10
            v = q
        }
        if v >= 10 {
            k -= 2
            digits[k] = 0x30 &+ UInt8(v / 10)
            digits[k + 1] = 0x30 &+ UInt8(v % 10)
        } else {
            k -= 1
            digits[k] = 0x30 &+ UInt8(v)
        }
        while k < 20 {
            try sink.put(digits[k], at: start)
            k += 1
        }
    }

    /// One digit per nibble; an odd count ends with nibble F.
    static func numeric<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        var i = start
        while i < end {
            let b = mem[i]
            let hi = b >> 4, lo = b & 0x0F
            if hi > 9 {
                if hi == 0xF { throw DecodeError(offset: i, .numericMisplacedPad) }
                throw DecodeError(offset: i, .numericNotDigit(nibble: hi))
            }
            try sink.put(0x30 + hi, at: i)
            if lo <= 9 {
                try sink.put(0x30 + lo, at: i)
            } else if lo == 0xF {
                if i != end - 1 { throw DecodeError(offset: i, .numericMisplacedPad) }
            } else {
                throw DecodeError(offset: i, .numericNotDigit(nibble: lo))
            }
            i += 1
        }
    }

    /// 0x41–0x5F, low 5 bits each; a zero group is padding and ends the data.
    static func fiveBit<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        var r = BitReader(mem, start, end)
        while r.remaining >= 5 {
            let at = r.byteOffset
            let v = UInt8(r.read(5))
            if v == 0 { break }
            try sink.put(0x40 | v, at: at)
        }
    }

    /// 0x20–0x5F, low 6 bits each; a complete final group 100000 is padding.
    static func sixBit<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        var r = BitReader(mem, start, end)
        while r.remaining >= 6 {
            let at = r.byteOffset
            let v = UInt8(r.read(6))
            if v == 0x20 && r.remaining == 0 { break }
            try sink.put(v >= 0x20 ? v : v | 0x40, at: at)
        }
    }

    /// ISO 646 0x00–0x7E, 7 bits each; a final all-ones group is padding.
    static func sevenBit<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        var r = BitReader(mem, start, end)
        while r.remaining >= 7 {
            let at = r.byteOffset
            let v = UInt8(r.read(7))
            if v == 0x7F {
                if r.remaining < 7 { break }
                throw DecodeError(offset: at, .sevenBitPadInData)
            }
            try sink.put(v, at: at)
        }
    }

    /// ISO/IEC 8859-1 bytes as-is.
    static func octet<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        for i in start..<end { try sink.putLatin1(mem[i], at: i) }
    }

    /// Validated UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
    static func utf8<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        var i = start
        while i < end {
            let b0 = mem[i]
            let n: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF  // allowed range of the 2nd byte
            switch b0 {
            case 0x00...0x7F: n = 1
            case 0xC2...0xDF: n = 2
            case 0xE0: n = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: n = 3
            case 0xED: n = 3; hi = 0x9F
            case 0xF0: n = 4; lo = 0x90
            case 0xF1...0xF3: n = 4
            case 0xF4: n = 4; hi = 0x8F
            default: throw DecodeError(offset: i, .invalidUTF8(b0))
            }
            if i + n > end { throw DecodeError(offset: i, .invalidUTF8(b0)) }
            if n > 1 {
                for k in 1..<n {
                    let c = mem[i + k]
                    let ok = k == 1 ? (c >= lo && c <= hi) : (c & 0xC0 == 0x80)
                    if !ok { throw DecodeError(offset: i + k, .invalidUTF8(c)) }
                }
            }
            for k in 0..<n { try sink.put(mem[i + k], at: i) }
            i += n
        }
    }
}
