/// URN Code 40 as used for the ISO 28560-4 UII: three characters per 16-bit word,
/// value = 1600·c1 + 40·c2 + c3 + 1 (0 = pad, 1–26 A–Z, 27 '-', 28 '.', 29 ':', 30–39 '0'–'9'),
/// with escapes in the first byte: FB long numeric, FC one ISO 646 byte, FD/FE 2/3-byte UTF-8.
enum Code40 {
    static func char(_ c: Int) -> UInt8? {
        switch c {
        case 1...26: UInt8(0x40 + c)
        case 27: UInt8(ascii: "-")
        case 28: UInt8(ascii: ".")
        case 29: UInt8(ascii: ":")
        case 30...39: UInt8(0x30 + c - 30)
        default: nil
        }
    }

    static func value(_ ch: UInt8) -> Int? {
        switch ch {
        case 0x41...0x5A: Int(ch - 0x40)
        case UInt8(ascii: "-"): 27
        case UInt8(ascii: "."): 28
        case UInt8(ascii: ":"): 29
        case 0x30...0x39: Int(ch - 0x30) + 30
        default: nil
        }
    }

    static func decode<S: ByteSink>(_ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S) throws(DecodeError) {
        var i = start
        while i < end {
            let b = mem[i]
            switch b {
            case 0xFB:
                guard i + 2 <= end else { throw DecodeError(offset: i, .truncated(needed: UInt8(i + 2 - end))) }
                let h = mem[i + 1]
                let digits = Int(h >> 4) + 9, n = Int(h & 0x0F) + 4
                guard i + 2 + n <= end else { throw DecodeError(offset: i + 1, .lengthPastEnd(declared: n, available: end - i - 2)) }
                try longNumeric(mem, i + 2, n, digits: digits, at: i, into: &sink)
                i += 2 + n
            case 0xFC:
                guard i + 2 <= end else { throw DecodeError(offset: i, .truncated(needed: 1)) }
                let c = mem[i + 1]
                guard c < 0x80 else { throw DecodeError(offset: i + 1, .code40InvalidEscape(c)) }
                try sink.put(c, at: i + 1)
                i += 2
            case 0xFD, 0xFE:
                let n = b == 0xFD ? 2 : 3
                guard i + 1 + n <= end else { throw DecodeError(offset: i, .truncated(needed: UInt8(i + 1 + n - end))) }
                var check = NullSink()
                try CompactionDecoder.utf8(mem, i + 1, i + 1 + n, into: &check)
                // Exactly one character of the announced length.
                let lead = mem[i + 1]
                let ok = n == 2 ? (lead >= 0xC2 && lead <= 0xDF) : (lead >= 0xE0 && lead <= 0xEF)
                guard ok else { throw DecodeError(offset: i + 1, .code40InvalidEscape(lead)) }
                for k in 1...n { try sink.put(mem[i + k], at: i + k) }
                i += 1 + n
            case 0xFF:
                throw DecodeError(offset: i, .code40InvalidEscape(b))
            default:
                if i + 1 == end {
                    if b == 0 { return }  // pad to a whole word
                    throw DecodeError(offset: i, .truncated(needed: 1))
                }
                let w = UInt16(b) << 8 | UInt16(mem[i + 1])
                if w == 0 { i += 2; continue }
                guard w <= 0xFA00 else { throw DecodeError(offset: i, .code40InvalidWord(w)) }
                let v = Int(w) - 1
                // Pad characters (0) are dropped; an array literal here would allocate on the hot path.
                if let c = char(v / 1600) { try sink.put(c, at: i) }
                if let c = char(v / 40 % 40) { try sink.put(c, at: i) }
                if let c = char(v % 40) { try sink.put(c, at: i) }
                i += 2
            }
        }
    }

    /// `n` big-endian bytes → exactly `digits` decimal digits (leading zeros restored).
    static func longNumeric<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ n: Int, digits: Int, at: Int, into sink: inout S
    ) throws(DecodeError) {
        var num = InlineArray<19, UInt8>(repeating: 0)
        for k in 0..<n { num[k] = mem[start + k] }
        var out = InlineArray<24, UInt8>(repeating: 0x30)
        var produced = 0
        // Schoolbook division by 10 until the number is zero.
        while true {
            var rem = 0, nonzero = false
            for k in 0..<n {
                let cur = rem << 8 | Int(num[k])
                num[k] = UInt8(cur / 10)
                rem = cur % 10
                if num[k] != 0 { nonzero = true }
            }
            if produced == digits { throw DecodeError(offset: at, .code40InvalidEscape(0xFB)) }
            out[digits - 1 - produced] = UInt8(0x30 + rem)
            produced += 1
            if !nonzero { break }
        }
        for k in 0..<digits { try sink.put(out[k], at: at) }
    }

    /// nil when a character has no encoding (4-byte UTF-8).
    static func encode(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var triple: [Int] = []
        func flush() {
            guard !triple.isEmpty else { return }
            while triple.count < 3 { triple.append(0) }
            let w = 1600 * triple[0] + 40 * triple[1] + triple[2] + 1
            out += [UInt8(w >> 8), UInt8(w & 0xFF)]
            triple = []
        }
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            var run = 0
            while i + run < u.count && u[i + run] >= 0x30 && u[i + run] <= 0x39 { run += 1 }
            if run >= 9 {
                let take = min(run, 19)
                flush()
                var v: UInt64 = 0
                for k in 0..<take { v = v * 10 + UInt64(u[i + k] - 0x30) }
                var bytes: [UInt8] = []
                while v != 0 { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
                while bytes.count < 4 { bytes.insert(0, at: 0) }
                out += [0xFB, UInt8((take - 9) << 4 | (bytes.count - 4))] + bytes
                i += take
                continue
            }
            let c = u[i]
            if let v = value(c) {
                triple.append(v)
                if triple.count == 3 { flush() }
                i += 1
                continue
            }
            flush()
            switch c {
            case 0x00..<0x80: out += [0xFC, c]; i += 1
            case 0xC2...0xDF: out += [0xFD, c, u[i + 1]]; i += 2
            case 0xE0...0xEF: out += [0xFE, c, u[i + 1], u[i + 2]]; i += 3
            default: return nil
            }
        }
        flush()
        if out.count % 2 == 1 { out.append(0) }
        return out
    }
}
