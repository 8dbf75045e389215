import Synchronization

/// A tag as an emulator sees it: what the chip would answer over the air.
public struct EmulatedTag: Sendable, Equatable {
    public var uid: UInt64
    public var dsfid: UInt8
    public var afi: UInt8
    public var blockSize: Int
    /// User memory from block 0; its length is a whole number of blocks.
    public var memory: [UInt8]
    public var icReference: UInt8
    /// The NXP ICODE EAS bit; only NXP chips (UID `E0 04 …`) have one.
    public var eas = false
    public var hasEAS: Bool { uid >> 48 & 0xFF == 0x04 }

    public init(uid: UInt64, dsfid: UInt8, afi: UInt8, memory: [UInt8], blockSize: Int = 4, icReference: UInt8 = 0x01) {
        precondition(blockSize > 0 && blockSize <= 32)
        self.uid = uid
        self.dsfid = dsfid
        self.afi = afi
        self.blockSize = blockSize
        let padded = (memory.count + blockSize - 1) / blockSize * blockSize
        self.memory = memory + [UInt8](repeating: 0, count: padded - memory.count)
        self.icReference = icReference
    }

    public var blockCount: Int { memory.count / blockSize }
}

/// Which tags are in front of which antenna at a given moment: the physical world an emulated
/// reader looks into. The simulated gate implements it with patrons walking through.
public protocol TagField: AnyObject, Sendable {
    /// Appends the UIDs in range of `antenna` at `nanos` to `into` (cleared by the caller).
    func uids(antenna: UInt8, atNanos nanos: UInt64, into: inout [UInt64])
    /// The tag with this UID, if it exists (in range or not).
    func tag(uid: UInt64) -> EmulatedTag?
    /// A write of the tag's AFI (a station checking an item out or in).
    func setAFI(uid: UInt64, afi: UInt8) -> Bool
    /// A write of the tag's EAS bit; false when the tag is not there.
    func setEAS(uid: UInt64, on: Bool) -> Bool
}

extension TagField {
    /// Fields that model the AFI only (the simulated gate) have tags without EAS writes.
    public func setEAS(uid: UInt64, on: Bool) -> Bool { false }
}

/// A fixed set of tags on fixed antennas: unit tests, benchmarks, a staff pad with a stack.
public final class StaticTagField: TagField, @unchecked Sendable {
    // Mutated only under the lock: emulators may be driven from several test threads.
    private let lock = Mutex(())
    private var tags: [UInt64: EmulatedTag] = [:]
    private var antennasByUID: [UInt64: [UInt8]] = [:]
    private var order: [UInt64] = []

    public init() {}

    public func place(_ tag: EmulatedTag, antennas: [UInt8] = [1]) {
        lock.withLock { _ in
            if tags[tag.uid] == nil { order.append(tag.uid) }
            tags[tag.uid] = tag
            antennasByUID[tag.uid] = antennas
        }
    }

    public func remove(uid: UInt64) {
        lock.withLock { _ in
            tags[uid] = nil
            antennasByUID[uid] = nil
            order.removeAll { $0 == uid }
        }
    }

    public func uids(antenna: UInt8, atNanos nanos: UInt64, into: inout [UInt64]) {
        lock.withLock { _ in
            for uid in order where antennasByUID[uid]?.contains(antenna) == true { into.append(uid) }
        }
    }

    public func tag(uid: UInt64) -> EmulatedTag? { lock.withLock { _ in tags[uid] } }

    public func setAFI(uid: UInt64, afi: UInt8) -> Bool {
        lock.withLock { _ in
            guard tags[uid] != nil else { return false }
            tags[uid]!.afi = afi
            return true
        }
    }

    public func setEAS(uid: UInt64, on: Bool) -> Bool {
        lock.withLock { _ in
            guard tags[uid] != nil else { return false }
            tags[uid]!.eas = on
            return true
        }
    }
}
