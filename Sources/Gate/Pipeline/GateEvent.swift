import CirculationModel
import ISO28560
import TagRing

/// Something the gate wants a human to know about, handed from the decode thread to the
/// alarm outputs and the log through a ring (the decode thread never blocks on I/O).
public struct GateEvent: BitwiseCopyable, Sendable {
    public enum Kind: UInt8, BitwiseCopyable, Sendable {
        /// The alarm was raised for this item's passage.
        case alarm
        /// A tag was read whose data could not be decoded (reported once per passage).
        case undecodable
        /// The tag and the circulation cache disagree about the loan (once per passage; the
        /// `[policy] rule` decided whether it also alarmed).
        case conflict
    }

    public var kind: Kind
    public var reason: GateReason
    /// Primary item identifier; empty when the tag could not be decoded.
    public var item: ItemID
    public var tagID: UInt64
    public var reader: UInt16
    public var antenna: UInt8
    public var afi: UInt8
    public var atNanos: UInt64
    /// What went wrong decoding, when `kind == .undecodable` and the decoder said.
    public var decodeError: DecodeError?
    /// Owner ISIL from the tag (empty when it carries none).
    public var owner: ItemID = ItemID()
    /// Part number and parts in set of a multi-part item (0 when single).
    public var partNumber: UInt8 = 0
    public var partsInSet: UInt8 = 0
    /// What the circulation cache said about the item.
    public var cache: CacheEntry = .none
}
