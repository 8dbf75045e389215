/// The FEIG commands RFIDGate uses, and pure parsers for their answers.
///
/// ISO host commands go in CONTROL 0xB0 with a sub-command byte that is the ISO 15693 command
/// code. UIDs travel MSB first (E0 … for ISO 15693). Byte layouts marked [U] in
/// hardware/feig-mr102-mru102-usb.md are from manuals, not yet from a capture.
public enum FeigCommand {
    public static let isoHost: UInt8 = 0xB0
    /// [0xB1] ISO 15693 custom and proprietary commands: CMD, MODE, MFR, then the UID in
    /// addressed mode. Field order as FEIG's ID ISC SDK sends it (tag handler for NXP ICODE SLI).
    public static let isoCustom: UInt8 = 0xB1

    /// NXP ICODE SLI/SLIX custom commands in [0xB1], with manufacturer code 0x04.
    public enum NXPCustom {
        public static let manufacturer: UInt8 = 0x04
        public static let setEAS: UInt8 = 0xA2
        public static let resetEAS: UInt8 = 0xA3
    }
    /// [0x66] Get Reader Info (MODE 0x00: firmware; 0x80: device serial number). [manual]
    public static let readerInfo: UInt8 = 0x66
    /// [0x6A] RF Output ON/OFF (0x00 off, 0x01 on). [manual]
    public static let rfOnOff: UInt8 = 0x6A
    /// [0x72] Set Output: MODE 0x01, OUT-N, then OUT-N × (OUT-NR, OUT-S, OUT-TIME(2) in 100 ms). [manual H90701; layout unverified]
    public static let setOutput: UInt8 = 0x72
    /// [0x74] Get Input: answer STATUS, INPUT bitmask (bit 0 = IN1). [manual H60301]
    public static let getInput: UInt8 = 0x74

    public enum ISOSub {
        public static let inventory: UInt8 = 0x01
        public static let readMultipleBlocks: UInt8 = 0x23
        public static let writeAFI: UInt8 = 0x27
        public static let getSystemInformation: UInt8 = 0x2B
    }

    /// Inventory MODE bits.
    public enum InventoryMode {
        /// Ask for the data sets that did not fit into the previous answer (status 0x94).
        public static let more: UInt8 = 0x80
        /// One antenna-number byte follows; each data set then ends with ANT-NR and RSSI. [U]
        public static let antenna: UInt8 = 0x40
        /// One AFI byte follows: only tags with that AFI answer (the gate "AFI method").
        public static let afi: UInt8 = 0x10
    }

    /// MODE for commands addressed to one UID.
    public static let addressedMode: UInt8 = 0x01
    /// TR-TYPE of an ISO 15693 transponder in inventory data sets.
    public static let trTypeISO15693: UInt8 = 0x03
}

/// STATUS byte of a response.
public enum FeigStatus {
    public static let ok: UInt8 = 0x00
    public static let noTransponder: UInt8 = 0x01
    public static let rfWarning: UInt8 = 0x84
    /// More data sets are waiting: repeat the inventory with MODE.more.
    public static let moreData: UInt8 = 0x94
    /// The transponder answered with an ISO 15693 error code (the next byte).
    public static let isoError: UInt8 = 0x95

    public static func describe(_ status: UInt8) -> String {
        switch status {
        case ok: "OK"
        case noTransponder: "no transponder"
        case rfWarning: "RF warning (antenna or field problem)"
        case moreData: "more data"
        case isoError: "ISO 15693 error from the tag"
        default: "status 0x" + hex2(status)
        }
    }
}

/// Why a response could not be understood, with the byte offset into its payload.
public struct FeigParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public init(offset: Int, _ reason: String) { self.offset = offset; self.reason = reason }
    public var description: String { "FEIG response byte \(offset): \(reason)" }
}

/// One tag reported by an inventory answer.
public struct FeigInventoryRecord: Equatable, Sendable {
    public var trType: UInt8
    public var dsfid: UInt8
    public var uid: UInt64
    public var antenna: UInt8
    public var rssi: Int8

    public init(trType: UInt8, dsfid: UInt8, uid: UInt64, antenna: UInt8, rssi: Int8) {
        self.trType = trType
        self.dsfid = dsfid
        self.uid = uid
        self.antenna = antenna
        self.rssi = rssi
    }
}

/// Pure parsers over a response payload (STATUS first, as `FeigFrameView.payload`).
public enum FeigResponse {
    /// Calls `body` once per data set of an inventory answer, without allocating.
    /// Returns the STATUS byte (ok, noTransponder or moreData).
    public static func parseInventory(
        _ payload: UnsafeRawBufferPointer, withAntenna: Bool, defaultAntenna: UInt8,
        _ body: (FeigInventoryRecord) -> Void
    ) throws(FeigParseError) -> UInt8 {
        guard payload.count >= 1 else { throw FeigParseError(offset: 0, "empty inventory answer") }
        let status = payload[0]
        if status == FeigStatus.noTransponder { return status }
        guard status == FeigStatus.ok || status == FeigStatus.moreData else {
            throw FeigParseError(offset: 0, "inventory failed: \(FeigStatus.describe(status))")
        }
        guard payload.count >= 2 else { throw FeigParseError(offset: 1, "DATA-SETS byte missing") }
        let sets = Int(payload[1])
        let recordLength = 10 + (withAntenna ? 2 : 0)
        guard payload.count == 2 + sets * recordLength else {
            throw FeigParseError(
                offset: 1, "\(sets) data sets need \(2 + sets * recordLength) bytes, answer has \(payload.count)")
        }
        var p = 2
        for _ in 0..<sets {
            var uid: UInt64 = 0
            for i in 0..<8 { uid = uid << 8 | UInt64(payload[p + 2 + i]) }
            let record = FeigInventoryRecord(
                trType: payload[p], dsfid: payload[p + 1], uid: uid,
                antenna: withAntenna ? payload[p + 10] : defaultAntenna,
                rssi: withAntenna ? Int8(bitPattern: payload[p + 11]) : .min)
            body(record)
            p += recordLength
        }
        return status
    }

    /// System information of one tag.
    public struct SystemInfo: Equatable, Sendable {
        public var dsfid: UInt8
        public var uid: UInt64
        public var afi: UInt8
        public var blockSize: Int
        public var blockCount: Int
        public var icReference: UInt8
    }

    /// `STATUS DSFID UID(8) AFI MEM-SIZE(2: block size−1, block count−1) IC-REF`. [U field order]
    public static func parseSystemInfo(_ payload: UnsafeRawBufferPointer) throws(FeigParseError) -> SystemInfo {
        try checkStatus(payload, "get system information")
        guard payload.count == 14 else {
            throw FeigParseError(offset: 0, "system information answer must be 14 bytes, got \(payload.count)")
        }
        var uid: UInt64 = 0
        for i in 0..<8 { uid = uid << 8 | UInt64(payload[2 + i]) }
        let blockSize = Int(payload[11] & 0x1F) + 1
        let blockCount = Int(payload[12]) + 1
        return SystemInfo(
            dsfid: payload[1], uid: uid, afi: payload[10], blockSize: blockSize, blockCount: blockCount,
            icReference: payload[13])
    }

    /// `STATUS DB-N DB-SIZE` then DB-N × (SEC-STATUS + DB-SIZE data bytes). Copies the data bytes
    /// (without security status) into `into`; returns how many were copied.
    public static func parseReadBlocks(
        _ payload: UnsafeRawBufferPointer, into: UnsafeMutableRawBufferPointer
    ) throws(FeigParseError) -> Int {
        try checkStatus(payload, "read multiple blocks")
        guard payload.count >= 3 else { throw FeigParseError(offset: 1, "DB-N / DB-SIZE missing") }
        let count = Int(payload[1]), size = Int(payload[2])
        guard size > 0 && size <= 32 else { throw FeigParseError(offset: 2, "impossible block size \(size)") }
        guard payload.count == 3 + count * (1 + size) else {
            throw FeigParseError(
                offset: 1, "\(count) blocks of \(size) bytes need \(3 + count * (1 + size)) bytes, answer has \(payload.count)")
        }
        var out = 0
        var p = 3
        for _ in 0..<count {
            p += 1  // security status
            for i in 0..<size where out < into.count {
                into[out] = payload[p + i]; out += 1
            }
            p += size
        }
        return out
    }

    /// Throws unless STATUS is OK; an ISO error names the tag's error code.
    public static func checkStatus(_ payload: UnsafeRawBufferPointer, _ what: String) throws(FeigParseError) {
        guard payload.count >= 1 else { throw FeigParseError(offset: 0, "empty \(what) answer") }
        let status = payload[0]
        if status == FeigStatus.ok { return }
        if status == FeigStatus.isoError && payload.count >= 2 {
            throw FeigParseError(offset: 1, "\(what): tag answered ISO 15693 error 0x\(hex2(payload[1]))")
        }
        throw FeigParseError(offset: 0, "\(what) failed: \(FeigStatus.describe(status))")
    }
}

@inline(__always)
package func hex2(_ b: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}
