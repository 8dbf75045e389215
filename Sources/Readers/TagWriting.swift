/// Which tag a write is meant for. HF tags are addressed by their UID; a UHF tag by its EPC
/// (the reader singulates the tag whose EPC matches), with the PC word as last read, because
/// writing the AFI rewrites that word and its length and flags must stay as they are.
public enum TagAddress: Sendable, Equatable {
    case hf(uid: UInt64)
    case uhf(epc: [UInt8], pc: UInt16)

}

/// A change of an item's security state on its tag (ISO 28560-1 §5; docs/technician.md has the
/// values per library system).
public enum TagWrite: Sendable, Equatable, CustomStringConvertible {
    /// The AFI: 0x07 for an item in the library, 0xC2 for one on loan. On a UHF tag it is the
    /// low byte of the PC word, with the toggle bit set (ISO 28560-4).
    case afi(UInt8)
    /// The NXP ICODE EAS bit (dp2-style security: set in the library, reset on loan). Only
    /// NXP HF chips have it.
    case eas(Bool)

    public var description: String {
        switch self {
        case .afi(let v): "AFI 0x" + String(v, radix: 16, uppercase: true)
        case .eas(let on): on ? "EAS on" : "EAS off"
        }
    }
}

/// A reader driver that can change a tag's security state (the station checking an item out
/// or in). Like the inventory, writes go over the driver's one wire, so only the thread that
/// owns the driver may call this; other threads go through the reader's command mailbox.
public protocol TagWriting: InventoryDriver {
    /// Writes `change` to the tag at `address`; throws `.refused` when this kind of reader or
    /// tag cannot take the change (an EAS bit on UHF, an HF address on an LLRP reader).
    func write(_ change: TagWrite, to address: TagAddress) throws(ReaderError)
    /// Reads the tag's AFI back, so a station can verify a write before it tells the patron
    /// (a write can be acknowledged by the reader and still not have reached the tag).
    func readAFI(at address: TagAddress) throws(ReaderError) -> UInt8
}

extension FeigReader: TagWriting {
    public func write(_ change: TagWrite, to address: TagAddress) throws(ReaderError) {
        guard case .hf(let uid) = address else {
            throw .refused(command: "write \(change)", reason: "a FEIG HF reader addresses tags by UID, not by EPC")
        }
        switch change {
        case .afi(let afi): try writeAFI(uid: uid, afi: afi)
        case .eas(let on): try setEAS(uid: uid, on: on)
        }
    }

    public func readAFI(at address: TagAddress) throws(ReaderError) -> UInt8 {
        guard case .hf(let uid) = address else {
            throw .refused(command: "read AFI", reason: "a FEIG HF reader addresses tags by UID, not by EPC")
        }
        return try systemInformation(uid: uid).afi
    }
}

extension LLRPReader: TagWriting {
    public func write(_ change: TagWrite, to address: TagAddress) throws(ReaderError) {
        guard case .uhf(let epc, let pc) = address else {
            throw .refused(command: "write \(change)", reason: "an LLRP reader addresses tags by EPC, not by HF UID")
        }
        switch change {
        case .afi(let afi): try writePC(epc: epc, currentPC: pc, afi: afi)
        case .eas:
            throw .refused(
                command: "write \(change)", reason: "UHF tags keep their security state in the PC word's AFI; write an AFI instead")
        }
    }

    public func readAFI(at address: TagAddress) throws(ReaderError) -> UInt8 {
        throw .refused(command: "read AFI", reason: "an LLRP reader reports the PC word with each inventory; verify from the next read")
    }
}
