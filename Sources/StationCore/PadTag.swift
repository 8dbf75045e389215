import ISO28560

/// How a tag on the pad is addressed when its security state is written: an HF tag by its
/// UID, a UHF tag by its EPC with the PC word as last read. (The I/O edge maps it onto the
/// reader's `TagAddress`; the core stays free of reader types.)
public enum PadTagID: Hashable, Sendable, CustomStringConvertible {
    case hf(UInt64)
    case uhf(epc: [UInt8], pc: UInt16)

    /// Stable text for the journal and logs (hex, never tag-written text).
    public var description: String {
        switch self {
        case .hf(let uid): "hf:" + hex(uid, width: 16)
        case .uhf(let epc, _): "uhf:" + epc.map { hex(UInt64($0), width: 2) }.joined()
        }
    }

    /// Parses `description`; nil for anything else (hex digits only: no sign, no blanks).
    public init?(journal text: String) {
        func isHex(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x41...0x46).contains(c) || (0x61...0x66).contains(c) }
        if text.hasPrefix("hf:"), text.utf8.dropFirst(3).allSatisfy(isHex), let v = UInt64(text.dropFirst(3), radix: 16) {
            self = .hf(v)
        } else if text.hasPrefix("uhf:") {
            let h = Array(text.utf8.dropFirst(4))
            guard h.count % 2 == 0, !h.isEmpty, h.allSatisfy(isHex) else { return nil }
            var epc: [UInt8] = []
            for i in stride(from: 0, to: h.count, by: 2) {
                guard let b = UInt8(String(decoding: h[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
                epc.append(b)
            }
            self = .uhf(epc: epc, pc: 0)
        } else {
            return nil
        }
    }

    /// Same tag, whatever PC word was last read.
    public func sameTag(_ other: PadTagID) -> Bool {
        switch (self, other) {
        case (.hf(let a), .hf(let b)): a == b
        case (.uhf(let a, _), .uhf(let b, _)): a == b
        default: false
        }
    }
}

func hex(_ v: UInt64, width: Int) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// One decoded read of a tag on the pad, as the pad reader hands it to the tracker.
public struct PadObservation: Sendable, Equatable {
    public var id: PadTagID
    public var reader: String
    /// The AFI as read (HF system information, or the UHF PC word's low byte); nil when the
    /// reader could not read it this time.
    public var afi: UInt8?
    /// The decoded tag memory; nil when it could not be read or decoded.
    public var record: ItemRecord?
    /// Why the memory did not decode (shown to staff, never to the patron).
    public var problem: String?
    public var atNanos: UInt64

    public init(id: PadTagID, reader: String, afi: UInt8?, record: ItemRecord?, problem: String? = nil, atNanos: UInt64) {
        self.id = id
        self.reader = reader
        self.afi = afi
        self.record = record
        self.problem = problem
        self.atNanos = atNanos
    }
}

/// A tag lying on the pad now.
public struct PadTag: Sendable, Equatable {
    public var id: PadTagID
    public var reader: String
    public var afi: UInt8?
    public var record: ItemRecord?
    public var problem: String?
    public var firstSeenNanos: UInt64
    public var lastSeenNanos: UInt64

    public var pii: String? { record?.primaryItemIdentifier.flatMap { $0.isEmpty ? nil : $0 } }
    public var owner: String? { record?.ownerInstitution }
    public var usage: ItemUsage { ItemUsage(typeOfUsage: record?.typeOfUsage) }
    public var set: SetInformation? { record?.setParts }
}
