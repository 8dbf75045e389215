/// ISIL compaction (ISO 28560-2 Annex C): three code sets, 5-bit upper and lower case and
/// 4-bit numeric, with latch and one-character shift codes; 1-bit padding.
enum ISILCompaction {
    enum CodeSet: UInt8 { case upper, lower, numeric }

    static func decode<S: ByteSink>(
        _ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into sink: inout S
    ) throws(DecodeError) {
        var r = BitReader(mem, start, end)
        var latched = CodeSet.upper
        var shifted: CodeSet? = nil
        while true {
            let set = shifted ?? latched
            let width = set == .numeric ? 4 : 5
            let rem = r.remaining
            if rem < width { break }
            if rem < 8 && r.peekRest() == (1 << UInt32(rem)) - 1 { break }  // 1-bit padding
            let at = r.byteOffset
            let v = UInt8(r.read(width))
            shifted = nil
            switch set {
            case .upper, .lower:
                switch v {
                case 0: try sink.put(UInt8(ascii: "-"), at: at)
                case 1...26: try sink.put((set == .upper ? 0x40 : 0x60) + v, at: at)
                case 27: try sink.put(set == .upper ? UInt8(ascii: ":") : UInt8(ascii: "/"), at: at)
                case 28: latched = set == .upper ? .lower : .upper
                case 29: shifted = set == .upper ? .lower : .upper
                case 30: latched = .numeric
                default: shifted = .numeric
                }
            case .numeric:
                switch v {
                case 0...9: try sink.put(0x30 + v, at: at)
                case 10: try sink.put(UInt8(ascii: "-"), at: at)
                case 11: try sink.put(UInt8(ascii: ":"), at: at)
                case 12: latched = .upper
                case 13: shifted = .upper
                case 14: latched = .lower
                default: shifted = .lower
                }
            }
        }
    }

    /// The code of `c` in `set`, if it has one.
    static func code(_ c: UInt8, in set: CodeSet) -> UInt8? {
        switch set {
        case .upper:
            if c == UInt8(ascii: "-") { return 0 }
            if c >= 0x41 && c <= 0x5A { return c - 0x40 }
            if c == UInt8(ascii: ":") { return 27 }
        case .lower:
            if c == UInt8(ascii: "-") { return 0 }
            if c >= 0x61 && c <= 0x7A { return c - 0x60 }
            if c == UInt8(ascii: "/") { return 27 }
        case .numeric:
            if c >= 0x30 && c <= 0x39 { return c - 0x30 }
            if c == UInt8(ascii: "-") { return 10 }
            if c == UInt8(ascii: ":") { return 11 }
        }
        return nil
    }

    /// nil when a character is outside the ISIL character set.
    /// Rule (Annex C recommendation): latch when this and the next character need the other set, else shift.
    static func encode(_ s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        var w = BitWriter()
        var latched = CodeSet.upper
        for (i, c) in chars.enumerated() {
            if let v = code(c, in: latched) {
                w.write(UInt32(v), latched == .numeric ? 4 : 5)
                continue
            }
            // The set to switch to: digits → numeric, lower/'/' → lower, upper/':' → upper.
            // '-' is in every set; ':' only reaches here from lower case, where numeric is shorter.
            let target: CodeSet
            if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ":") {
                target = .numeric
            } else if code(c, in: .lower) != nil {
                target = .lower
            } else if code(c, in: .upper) != nil {
                target = .upper
            } else {
                return nil
            }
            let nextNeedsTarget =
                i + 1 < chars.count
                && code(chars[i + 1], in: latched) == nil && code(chars[i + 1], in: target) != nil
            w.write(UInt32(switchCode(from: latched, to: target, latch: nextNeedsTarget)), latched == .numeric ? 4 : 5)
            if nextNeedsTarget { latched = target }
            w.write(UInt32(code(c, in: target)!), target == .numeric ? 4 : 5)
        }
        return w.finish(pattern: 1, patternBits: 1)
    }

    static func switchCode(from: CodeSet, to: CodeSet, latch: Bool) -> UInt8 {
        switch (from, to) {
        case (.upper, .lower), (.lower, .upper): latch ? 28 : 29
        case (.upper, .numeric), (.lower, .numeric): latch ? 30 : 31
        case (.numeric, .upper): latch ? 12 : 13
        case (.numeric, .lower): latch ? 14 : 15
        default: 0  // unreachable: same set never switches
        }
    }
}
