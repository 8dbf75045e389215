/// The character set an ILS uses on the wire. Per-ILS configuration: Koha and invenio speak UTF-8,
/// FOLIO defaults to cp850, some Koha kiosks Latin-1, Chinese ILSs GB18030.
/// Encoding happens *before* the checksum (AZ is a sum of wire bytes) and field limits are in bytes.
/// Decoding never fails: invalid bytes become U+FFFD (a mojibake title must not fail a loan).
public enum SIP2Charset: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case latin1 = "iso-8859-1"
    case cp850 = "cp850"
    case gb18030 = "gb18030"
    case ascii = "ascii"

    /// Accepts the usual spellings ("UTF8", "latin-1", "IBM850", "GBK" is *not* accepted: say gb18030).
    public init?(name: String) {
        let n = String(name.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " })
        switch n {
        case "utf8": self = .utf8
        case "iso88591", "latin1", "l1": self = .latin1
        case "cp850", "ibm850", "850": self = .cp850
        case "gb18030": self = .gb18030
        case "ascii", "usascii": self = .ascii
        default: return nil
        }
    }

    /// Encodes `text`; nil if a character has no representation in this charset.
    public func encode(_ text: String) -> [UInt8]? {
        switch self {
        case .utf8: return Array(text.utf8)
        case .ascii:
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            for b in text.utf8 { guard b < 0x80 else { return nil }; out.append(b) }
            return out
        case .latin1:
            var out: [UInt8] = []
            for s in text.unicodeScalars { guard s.value < 0x100 else { return nil }; out.append(UInt8(s.value)) }
            return out
        case .cp850:
            var out: [UInt8] = []
            for s in text.unicodeScalars {
                if s.value < 0x80 { out.append(UInt8(s.value)); continue }
                guard let b = CP850.reverse[UInt16(truncatingIfNeeded: s.value)], s.value <= 0xFFFF else { return nil }
                out.append(b)
            }
            return out
        case .gb18030: return GB18030.encode(text)
        }
    }

    /// Decodes wire bytes; never fails (U+FFFD for anything invalid).
    public func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        switch self {
        case .utf8: return String(decoding: bytes, as: UTF8.self)
        case .ascii:
            var s = String.UnicodeScalarView()
            for b in bytes { s.append(b < 0x80 ? Unicode.Scalar(b) : "\u{FFFD}") }
            return String(s)
        case .latin1:
            var s = String.UnicodeScalarView()
            for b in bytes { s.append(Unicode.Scalar(b)) }
            return String(s)
        case .cp850:
            var s = String.UnicodeScalarView()
            for b in bytes {
                s.append(b < 0x80 ? Unicode.Scalar(b) : Unicode.Scalar(CP850Table.high[Int(b - 0x80)]) ?? "\u{FFFD}")
            }
            return String(s)
        case .gb18030: return GB18030.decode(bytes)
        }
    }
}

enum CP850 {
    static let reverse: [UInt16: UInt8] = {
        var d: [UInt16: UInt8] = [:]
        for (i, cp) in CP850Table.high.enumerated() { d[cp] = UInt8(0x80 + i) }
        return d
    }()
}

/// GB18030 (the Chinese national standard charset, superset of GBK): 1, 2 or 4 bytes per character.
enum GB18030 {
    static let columns = 191  // trail bytes 0x40...0xFE (0x7F is never valid)

    /// Two-byte area as scalars, parsed once from the generated hex table.
    static let twoByte: [UInt16] = {
        let hex = GB18030Tables.twoByteHex
        var out = [UInt16](repeating: 0, count: hex.utf8CodeUnitCount / 4)
        hex.withUTF8Buffer { buf in
            func nib(_ c: UInt8) -> UInt16 { UInt16(c <= 0x39 ? c - 0x30 : c - 0x37) }
            for i in 0..<out.count {
                let o = i * 4
                out[i] = nib(buf[o]) << 12 | nib(buf[o + 1]) << 8 | nib(buf[o + 2]) << 4 | nib(buf[o + 3])
            }
        }
        return out
    }()

    static let twoByteReverse: [UInt16: UInt16] = {
        var d: [UInt16: UInt16] = [:]
        d.reserveCapacity(24_000)
        for (i, cp) in twoByte.enumerated() where cp != 0 {
            let lead = UInt16(0x81 + i / columns), trail = UInt16(0x40 + i % columns)
            d[cp] = lead << 8 | trail
        }
        return d
    }()

    static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let b = Array(bytes)
        var s = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            let b1 = b[i]
            if b1 < 0x80 { s.append(Unicode.Scalar(b1)); i += 1; continue }
            guard b1 >= 0x81, b1 <= 0xFE, i + 1 < b.count else { s.append("\u{FFFD}"); i += 1; continue }
            let b2 = b[i + 1]
            if b2 >= 0x40, b2 <= 0xFE, b2 != 0x7F {
                let cp = twoByte[Int(b1 - 0x81) * columns + Int(b2 - 0x40)]
                s.append(cp == 0 ? "\u{FFFD}" : Unicode.Scalar(cp) ?? "\u{FFFD}")
                i += 2
                continue
            }
            if b2 >= 0x30, b2 <= 0x39, i + 3 < b.count, (0x81...0xFE).contains(b[i + 2]), (0x30...0x39).contains(b[i + 3]) {
                let linear = ((UInt32(b1 - 0x81) * 10 + UInt32(b2 - 0x30)) * 126 + UInt32(b[i + 2] - 0x81)) * 10 + UInt32(b[i + 3] - 0x30)
                s.append(fourByteScalar(linear) ?? "\u{FFFD}")
                i += 4
                continue
            }
            s.append("\u{FFFD}")
            i += 1
        }
        return String(s)
    }

    static func fourByteScalar(_ linear: UInt32) -> Unicode.Scalar? {
        if linear >= 189_000 { return Unicode.Scalar(0x10000 + linear - 189_000) }  // 0x90308130 and up
        let runs = GB18030Tables.fourByteRuns
        var lo = 0, hi = runs.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2, r = runs[mid]
            if linear < r.linear {
                hi = mid - 1
            } else if linear >= r.linear + r.count {
                lo = mid + 1
            } else {
                return Unicode.Scalar(r.scalar + (linear - r.linear))
            }
        }
        return nil
    }

    static func encode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        for sc in text.unicodeScalars {
            let v = sc.value
            if v < 0x80 { out.append(UInt8(v)); continue }
            if v <= 0xFFFF, let code = twoByteReverse[UInt16(v)] {
                out.append(UInt8(code >> 8)); out.append(UInt8(code & 0xFF)); continue
            }
            var linear: UInt32
            if v >= 0x10000 {
                linear = v - 0x10000 + 189_000
            } else {
                guard let r = GB18030Tables.fourByteRuns.first(where: { v >= $0.scalar && v < $0.scalar + $0.count }) else { return nil }
                linear = r.linear + (v - r.scalar)
            }
            let b4 = linear % 10; linear /= 10
            let b3 = linear % 126; linear /= 126
            let b2 = linear % 10; linear /= 10
            out += [UInt8(0x81 + linear), UInt8(0x30 + b2), UInt8(0x81 + b3), UInt8(0x30 + b4)]
        }
        return out
    }
}
