/// ISO/IEC 15962 compaction codes as used by ISO 28560-2 (precursor bits 6–4).
public enum Compaction: UInt8, Sendable, Hashable, CaseIterable, BitwiseCopyable, CustomStringConvertible {
    /// Meaning depends on the element: content-parameter bitmap (2), ISIL compaction (3, 11), raw bytes.
    case applicationDefined = 0
    case integer = 1
    case numeric = 2
    case fiveBit = 3
    case sixBit = 4
    case sevenBit = 5
    case octet = 6
    case utf8 = 7

    public var description: String {
        switch self {
        case .applicationDefined: "application-defined"
        case .integer: "integer"
        case .numeric: "numeric"
        case .fiveBit: "5-bit"
        case .sixBit: "6-bit"
        case .sevenBit: "7-bit"
        case .octet: "octet"
        case .utf8: "UTF-8"
        }
    }
}
