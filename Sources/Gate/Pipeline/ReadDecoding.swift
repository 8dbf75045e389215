import ISO28560
import TagRing

/// The seam between raw reads and item identity: the gate asks only for the fast-path view
/// (primary item id, owner, set, type of usage, format) of a read, never for a full decode.
/// Allocation-free.
@inline(__always)
func decodeForGate(_ read: borrowing TagRead) -> GateDecode {
    guard read.flags.contains(.memoryValid) else { return .unrecognised(.unknown) }
    switch read.kind {
    case .iso15693:
        // The ring carries only the first bytes of user memory, so a data set that runs past
        // them is not an error once the item id has been decoded.
        let dsfid = read.dsfid
        return read.withMemory { GateFastPath.decode(hfMemory: $0, dsfid: dsfid, isPrefix: true) }
    case .epcGen2:
        // UHF (ISO/TS 28560-4): the LLRP driver puts MB01 from the PC word on into memory.
        return read.withMemory { GateFastPath.decode(uiiMemory: $0, userMemory: UnsafeRawBufferPointer(start: nil, count: 0)) }
    }
}
