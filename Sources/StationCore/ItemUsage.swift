/// ISO 28560-1 element 5, type of usage: the high nibble is the class, the low one the
/// sub-class (../shared/reference/iso28560.md). The station honours it: a patron card
/// identifies the patron, a reference copy is never lent, and 13/14/15 limit offline work.
public struct ItemUsage: Sendable, Equatable, CustomStringConvertible {
    /// The raw byte, nil when the tag does not carry the element (then: a circulating item).
    public var raw: UInt8?

    public init(typeOfUsage: UInt8?) { raw = typeOfUsage }

    public var mainClass: UInt8? { raw.map { $0 >> 4 } }
    public var subClass: UInt8? { raw.map { $0 & 0x0F } }

    /// Class 8: a patron card (80 unspecified, 81 adult, 82 young adult, 83 child).
    public var isPatronCard: Bool { mainClass == 8 }
    /// Class 2: reference copies, rare books: never checked out at a station.
    public var notForCirculation: Bool { mainClass == 2 }
    /// Class 9 (library equipment) and 7 (discarded) are not lent by a self-checkout either.
    public var notLendable: Bool { notForCirculation || mainClass == 7 || mainClass == 9 || isPatronCard }
    /// 13 and 15: not for issue while the library system is offline.
    public var noOfflineIssue: Bool { raw == 0x13 || raw == 0x15 }
    /// 14 and 15: not for return while the library system is offline.
    public var noOfflineReturn: Bool { raw == 0x14 || raw == 0x15 }

    public var description: String {
        guard let raw else { return "unspecified" }
        return hex(UInt64(raw), width: 2)
    }
}
