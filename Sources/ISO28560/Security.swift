/// What the tag itself says about the item: from the AFI (HF system memory or the UHF PC word).
public enum SecurityState: UInt8, BitwiseCopyable, Sendable, Hashable, CustomStringConvertible {
    case secured = 1
    case checkedOut = 2
    /// The AFI is not one the profile knows: the gate decides by policy (cache, hot list).
    case unknown = 0

    public var description: String {
        switch self {
        case .secured: "secured"
        case .checkedOut: "checked-out"
        case .unknown: "unknown"
        }
    }
}

/// Which AFI values mean "secured / in library" and which mean "checked out" at a site.
///
/// Stored as two 256-bit sets so `state(afi:)` is two loads and a test (hot path).
public struct AFIProfile: Sendable, Hashable {
    @usableFromInline var secured: (UInt64, UInt64, UInt64, UInt64)
    @usableFromInline var checkedOut: (UInt64, UInt64, UInt64, UInt64)

    /// A value in both lists is treated as `secured` (fail safe: the gate alarms).
    public init(secured: [UInt8], checkedOut: [UInt8]) {
        self.secured = Self.bits(secured)
        self.checkedOut = Self.bits(checkedOut)
    }

    /// ISO 28560-1 / WG11 / Danish model since 2008 / dp2: 0x07 in library, 0xC2 on loan.
    public static let iso28560 = AFIProfile(secured: [0x07], checkedOut: [0xC2])
    /// 3M as seen by Biblio::RFID: 0xD7 secured, 0xDA checked out.
    public static let threeM = AFIProfile(secured: [0xD7], checkedOut: [0xDA])
    /// libdanrfid (a German site): 0x07 secured, 0x21 checked out.
    public static let libdanrfid = AFIProfile(secured: [0x07], checkedOut: [0x21])

    /// Profile names accepted in configuration.
    public static let names: [String] = ["iso28560", "3m", "libdanrfid"]

    /// `iso28560` (aliases `iso`, `wg11`, `dp2`, `danish`), `3m` (`threem`), `libdanrfid`.
    public init?(name: String) {
        switch name.lowercased() {
        case "iso28560", "iso", "iso-28560", "wg11", "dp2", "danish": self = .iso28560
        case "3m", "threem", "3m-rfid501": self = .threeM
        case "libdanrfid", "ddm-de": self = .libdanrfid
        default: return nil
        }
    }

    @inlinable
    public func state(afi: UInt8) -> SecurityState {
        if Self.contains(secured, afi) { return .secured }
        if Self.contains(checkedOut, afi) { return .checkedOut }
        return .unknown
    }

    @inlinable
    static func contains(_ set: (UInt64, UInt64, UInt64, UInt64), _ v: UInt8) -> Bool {
        let word: UInt64
        switch v >> 6 {
        case 0: word = set.0
        case 1: word = set.1
        case 2: word = set.2
        default: word = set.3
        }
        return word & (1 << UInt64(v & 63)) != 0
    }

    static func bits(_ values: [UInt8]) -> (UInt64, UInt64, UInt64, UInt64) {
        var s: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for v in values {
            let bit: UInt64 = 1 << UInt64(v & 63)
            switch v >> 6 {
            case 0: s.0 |= bit
            case 1: s.1 |= bit
            case 2: s.2 |= bit
            default: s.3 |= bit
            }
        }
        return s
    }

    public static func == (a: AFIProfile, b: AFIProfile) -> Bool {
        a.secured == b.secured && a.checkedOut == b.checkedOut
    }

    public func hash(into h: inout Hasher) {
        h.combine(secured.0); h.combine(secured.1); h.combine(secured.2); h.combine(secured.3)
        h.combine(checkedOut.0); h.combine(checkedOut.1); h.combine(checkedOut.2); h.combine(checkedOut.3)
    }
}
