/// Why a record could not be encoded.
public enum EncodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Compacted data longer than a one-byte length allows (127), or than a fixed field holds.
    case elementTooLong(DataElement, bytes: Int, max: Int)
    /// The encoded image does not fit the tag.
    case capacityExceeded(needed: Int, capacity: Int)
    case invalidBlockSize(Int)
    /// Element numbers must be 1…270 (15 + one extension byte).
    case invalidElementNumber(Int)
    /// The value cannot be represented in this format (reason given).
    case invalidValue(DataElement, String)

    public var description: String {
        switch self {
        case .elementTooLong(let e, let n, let m): "element \(e.rawValue) (\(e.jsonName)) is \(n) bytes, at most \(m) fit"
        case .capacityExceeded(let n, let c): "encoding needs \(n) bytes, the tag holds \(c)"
        case .invalidBlockSize(let b): "block size \(b) is not 1…32"
        case .invalidElementNumber(let n): "element number \(n) is outside 1…270"
        case .invalidValue(let e, let why): "element \(e.rawValue) (\(e.jsonName)): \(why)"
        }
    }
}
