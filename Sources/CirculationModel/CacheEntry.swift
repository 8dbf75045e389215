/// What the gate's index knows about one item: one byte, so a slot of the index is one
/// 64-bit word (56-bit key fingerprint + this byte) that can be read and written atomically.
public struct CacheEntry: BitwiseCopyable, Sendable, Hashable, CustomStringConvertible {
    /// The loan state reduced to what the gate needs.
    public enum Loan: UInt8, BitwiseCopyable, Sendable, CaseIterable, CustomStringConvertible {
        /// The cache has no loan state for this item (unknown item, or only on the hot list).
        case unknown = 0
        /// In the library (available, on the hold shelf, in transit, …): may not leave.
        case inLibrary = 1
        /// Checked out to a patron: may leave.
        case onLoan = 2

        public var description: String {
            switch self {
            case .unknown: "not in cache"
            case .inLibrary: "in library"
            case .onLoan: "on loan"
            }
        }
    }

    public var raw: UInt8

    @inline(__always) public init(raw: UInt8) { self.raw = raw }

    public init(loan: Loan, hot: Bool) { raw = loan.rawValue | (hot ? Self.hotBit : 0) }

    /// No entry at all (also what a deleted item looks like).
    public static let none = CacheEntry(raw: 0)
    static let hotBit: UInt8 = 0b100

    @inline(__always) public var loan: Loan { Loan(rawValue: raw & 0b11) ?? .inLibrary }
    /// On the hot list (stolen, missing): always alarms.
    @inline(__always) public var hot: Bool { raw & Self.hotBit != 0 }
    @inline(__always) public var isNone: Bool { raw == 0 }

    public var description: String { hot ? "\(loan), hot list" : "\(loan)" }
}
