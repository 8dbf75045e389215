/// Why tag data could not be decoded, and where: `offset` is the byte (from the start of the
/// memory given to the decoder) at which the problem was found.
public struct DecodeError: Error, BitwiseCopyable, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var reason: Reason

    @inlinable
    public init(offset: Int, _ reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public enum Reason: BitwiseCopyable, Sendable, Hashable {
        /// The memory ends inside a precursor, extension byte, offset byte or length byte.
        case truncated(needed: UInt8)
        /// A length byte announces more data than the memory holds.
        case lengthPastEnd(declared: Int, available: Int)
        /// An offset byte announces more pad bytes than the memory holds.
        case padPastEnd(declared: Int, available: Int)
        /// Length byte with bit 7 set (multi-byte lengths are not used by library tags).
        case multiByteLength(UInt8)
        /// A precursor whose relative-OID nibble is 0 (only the whole byte 0x00 is legal: the terminator).
        case invalidPrecursor(UInt8)
        case numericNotDigit(nibble: UInt8)
        /// Nibble F anywhere but in the low half of the last byte.
        case numericMisplacedPad
        case integerTooLong(bytes: Int)
        case integerEmpty
        case invalidUTF8(UInt8)
        /// A 7-bit group 0x7F (padding) followed by more data.
        case sevenBitPadInData
        /// The element needs a specific compaction (e.g. the content parameter is a bitmap, code 000).
        case unexpectedCompaction(oid: UInt16, code: UInt8)
        /// The decoded value does not fit the 32-byte inline identifier of the fast path.
        case identifierTooLong(max: UInt8)
        case missingPrimaryItemIdentifier
        /// ISO 28560-3 basic block CRC mismatch (in both block orders).
        case crcMismatch(stored: UInt16, computed: UInt16)
        /// ISO 28560-3 basic block shorter than the 32-byte truncated form.
        case basicBlockTooShort(Int)
        case extensionBlockPastEnd(length: Int, available: Int)
        case extensionBlockChecksum(UInt8)
        case extensionBlockTooShort(Int)
        /// ISO 28560-3 byte 3 says the PII is in the library extension block, which is missing.
        case missingExtensionPII
        /// URN Code 40 word above 0xFA00 that is not an escape.
        case code40InvalidWord(UInt16)
        case code40InvalidEscape(UInt8)
        /// UHF PC word announces more UII words than were read.
        case uiiLengthPastEnd(words: Int, available: Int)
        /// A bare UII longer than the 31 words a PC word can announce.
        case uiiTooLong(bytes: Int)
        /// User memory (MB11) must start with DSFID 0x06 for ISO 28560-4.
        case unexpectedDSFID(UInt8)
        /// The UII's toggle bit is 0: a GS1 EPC, not an ISO 28560-4 UII.
        case notISOUII
        /// Set information that is not an even number of decimal digits.
        case invalidSetInformation
    }

    public var description: String { "byte \(offset): \(reason.description)" }
}

extension DecodeError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncated(let n): "memory ends, \(n) more byte\(n == 1 ? "" : "s") needed"
        case .lengthPastEnd(let d, let a): "length \(d) runs past the end of memory (\(a) bytes left)"
        case .padPastEnd(let d, let a): "offset byte announces \(d) pad bytes, only \(a) left"
        case .multiByteLength(let b): "length byte 0x\(hex2(b)) has bit 7 set (multi-byte lengths unsupported)"
        case .invalidPrecursor(let b): "precursor 0x\(hex2(b)) has relative OID 0"
        case .numericNotDigit(let n): "numeric compaction nibble 0x\(String(n, radix: 16, uppercase: true)) is not a digit"
        case .numericMisplacedPad: "numeric compaction pad nibble 0xF before the end"
        case .integerTooLong(let n): "integer compaction of \(n) bytes exceeds 64 bits"
        case .integerEmpty: "integer compaction with no bytes"
        case .invalidUTF8(let b): "invalid UTF-8 byte 0x\(hex2(b))"
        case .sevenBitPadInData: "7-bit compaction pad group 0x7F followed by data"
        case .unexpectedCompaction(let oid, let c): "element \(oid) cannot use compaction code \(c)"
        case .identifierTooLong(let m): "identifier longer than \(m) bytes"
        case .missingPrimaryItemIdentifier: "no primary item identifier"
        case .crcMismatch(let s, let c): "CRC mismatch: stored 0x\(hex4(s)), computed 0x\(hex4(c))"
        case .basicBlockTooShort(let n): "basic block needs 32 bytes, got \(n)"
        case .extensionBlockPastEnd(let l, let a): "extension block of \(l) bytes runs past the end (\(a) left)"
        case .extensionBlockChecksum(let x): "extension block XOR checksum is 0x\(hex2(x)), not 0"
        case .extensionBlockTooShort(let n): "extension block length \(n) is shorter than its header"
        case .missingExtensionPII: "PII is marked as in the library extension block, which is missing"
        case .code40InvalidWord(let w): "URN Code 40 word 0x\(hex4(w)) is out of range"
        case .code40InvalidEscape(let b): "URN Code 40 escape 0x\(hex2(b)) is invalid here"
        case .uiiLengthPastEnd(let w, let a): "PC announces \(w) UII words, only \(a) bytes read"
        case .uiiTooLong(let n): "a UII holds at most 31 words (62 bytes), this one has \(n) bytes"
        case .unexpectedDSFID(let d): "DSFID 0x\(hex2(d)) is not 0x06"
        case .notISOUII: "PC toggle bit is 0 (GS1 EPC, not an ISO UII)"
        case .invalidSetInformation: "set information is not an even number of digits"
        }
    }
}

@inline(__always)
func hex2(_ b: UInt8) -> String {
    let d = Array("0123456789ABCDEF".utf8)
    return String(decoding: [d[Int(b >> 4)], d[Int(b & 15)]], as: UTF8.self)
}

func hex4(_ v: UInt16) -> String { hex2(UInt8(v >> 8)) + hex2(UInt8(v & 0xFF)) }

/// Upper-case hex of bytes, no separators.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var s = ""
    for b in bytes { s += hex2(b) }
    return s
}

/// Parses hex with optional spaces, colons or dashes between bytes; nil on anything else.
public func parseHex(_ text: String) -> [UInt8]? {
    var out: [UInt8] = []
    var hi: UInt8? = nil
    for c in text.utf8 {
        let v: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
        case UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "\n"), UInt8(ascii: "\t"):
            if hi != nil { return nil }
            continue
        default: return nil
        }
        if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
    }
    return hi == nil ? out : nil
}
