/// The requests RFIDGate sends, built from the LLRP 1.0.1 parameter layouts. Pure.
public enum LLRPMessages {
    /// GET_READER_CAPABILITIES, RequestedData 0 = all.
    public static func getReaderCapabilities(_ b: inout LLRPBuilder, id: UInt32) -> [UInt8] {
        b.beginMessage(type: LLRPMessageType.getReaderCapabilities, id: id)
        b.u8(0)
        return b.finish()
    }

    /// SET_READER_CONFIG with a periodic KeepaliveSpec: the reader sends KEEPALIVE every
    /// `periodMillis`, so a dead link is noticed even when no tag is in the field.
    public static func setKeepalive(_ b: inout LLRPBuilder, id: UInt32, periodMillis: UInt32) -> [UInt8] {
        b.beginMessage(type: LLRPMessageType.setReaderConfig, id: id)
        b.u8(0)  // ResetToFactoryDefault = 0
        b.begin(220)  // KeepaliveSpec
        b.u8(1)  // periodic
        b.u32(periodMillis)
        b.end()
        return b.finish()
    }

    /// A message whose body is one u32 spec id (ENABLE/START/STOP/DELETE_ROSPEC,
    /// ENABLE/DELETE_ACCESSSPEC); id 0 means "all" for the DELETEs.
    public static func specID(_ b: inout LLRPBuilder, type: UInt16, id: UInt32, spec: UInt32) -> [UInt8] {
        b.beginMessage(type: type, id: id)
        b.u32(spec)
        return b.finish()
    }

    public static func empty(_ b: inout LLRPBuilder, type: UInt16, id: UInt32) -> [UInt8] {
        b.beginMessage(type: type, id: id)
        return b.finish()
    }

    /// ADD_ROSPEC: inventory on `antennas` (empty = all) until stopped, with a report after
    /// every tag (N = 1) carrying antenna, peak RSSI, timestamps and access results.
    public static func addROSpec(_ b: inout LLRPBuilder, id: UInt32, roSpecID: UInt32, antennas: [UInt16]) -> [UInt8] {
        b.beginMessage(type: LLRPMessageType.addROSpec, id: id)
        b.begin(177)  // ROSpec
        b.u32(roSpecID)
        b.u8(0)  // priority
        b.u8(0)  // current state: disabled
        b.begin(178)  // ROBoundarySpec
        b.begin(179); b.u8(0); b.end()  // ROSpecStartTrigger: null (START_ROSPEC starts it)
        b.begin(182); b.u8(0); b.u32(0); b.end()  // ROSpecStopTrigger: null, runs until stopped
        b.end()
        b.begin(183)  // AISpec
        let ants = antennas.isEmpty ? [UInt16(0)] : antennas
        b.u16(UInt16(ants.count))
        for a in ants { b.u16(a) }
        b.begin(184); b.u8(0); b.u32(0); b.end()  // AISpecStopTrigger: null
        b.begin(186)  // InventoryParameterSpec
        b.u16(1)
        b.u8(1)  // EPCGlobal Class 1 Gen 2
        b.end()
        b.end()
        b.begin(237)  // ROReportSpec
        b.u8(1)  // upon N tags or end of AISpec
        b.u16(1)
        b.begin(238)  // TagReportContentSelector
        // ROSpecID, SpecIndex, InvParamSpecID off; AntennaID, ChannelIndex, PeakRSSI,
        // FirstSeen, LastSeen, TagSeenCount, AccessSpecID on.
        b.u16(0b0001_1111_1100_0000)
        b.end()
        b.end()
        b.end()
        return b.finish()
    }

    /// One C1G2 memory operation of an AccessSpec.
    public enum Operation: Equatable, Sendable {
        /// Read `words` words of bank `bank` from `pointer` (0 words = to the end of the bank).
        case read(opSpecID: UInt16, bank: UInt8, pointer: UInt16, words: UInt16)
        case write(opSpecID: UInt16, bank: UInt8, pointer: UInt16, data: [UInt16])
    }

    /// ADD_ACCESSSPEC for `operations` on tags whose EPC (bank 1 from bit 0x20) is `targetEPC`
    /// (nil: every tag), stopping after `count` executions (0 = keeps running).
    public static func addAccessSpec(
        _ b: inout LLRPBuilder, id: UInt32, accessSpecID: UInt32, roSpecID: UInt32, targetEPC: [UInt8]?,
        operations: [Operation], count: UInt16
    ) -> [UInt8] {
        b.beginMessage(type: LLRPMessageType.addAccessSpec, id: id)
        b.begin(207)  // AccessSpec
        b.u32(accessSpecID)
        b.u16(0)  // all antennas
        b.u8(1)  // Gen2
        b.u8(0)  // current state: disabled (ENABLE_ACCESSSPEC follows)
        b.u32(roSpecID)
        b.begin(208)  // AccessSpecStopTrigger
        b.u8(count == 0 ? 0 : 1)
        b.u16(count)
        b.end()
        b.begin(209)  // AccessCommand
        b.begin(338)  // C1G2TagSpec
        b.begin(339)  // C1G2TargetTag: MB 1, match, pointer 0x20 (EPC after CRC+PC)
        b.u8(1 << 6 | 1 << 5)
        b.u16(0x20)
        let epc = targetEPC ?? []
        b.u16(UInt16(epc.count * 8))
        b.append(contentsOf: [UInt8](repeating: 0xFF, count: epc.count))  // mask: every bit
        b.u16(UInt16(epc.count * 8))
        b.append(contentsOf: epc)
        b.end()
        b.end()
        for op in operations {
            switch op {
            case .read(let opID, let bank, let pointer, let words):
                b.begin(341)
                b.u16(opID); b.u32(0); b.u8(bank << 6); b.u16(pointer); b.u16(words)
                b.end()
            case .write(let opID, let bank, let pointer, let data):
                b.begin(342)
                b.u16(opID); b.u32(0); b.u8(bank << 6); b.u16(pointer); b.u16(UInt16(data.count))
                for w in data { b.u16(w) }
                b.end()
            }
        }
        b.end()
        b.end()
        return b.finish()
    }
}
