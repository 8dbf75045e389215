import ReaderProtocols
import Synchronization

/// A FEIG reader in software: it answers advanced-protocol request frames byte for byte as the
/// reader would, looking into a `TagField` for the tags in range. The simulated gate and the
/// driver tests run the real `FeigReader` driver against it; only the transport differs.
public final class FeigEmulator: @unchecked Sendable {
    public let field: TagField
    /// Data sets per inventory answer before the reader says "more data" (status 0x94).
    public var maxDataSetsPerAnswer = 24
    /// Answer with this COM-ADR.
    public var address: UInt8 = 0xFF

    private let decoder = FeigFrameDecoder()
    private var builder = FeigFrameBuilder()
    private var uidScratch: [UInt64] = []
    /// Inventory data sets not yet delivered (the reader's internal table, drained with MORE).
    private var pendingRecords: [FeigInventoryRecord] = []
    private var pendingWithAntenna = false

    /// Reader-level state: RF field, digital outputs (number → on until, in emulator time),
    /// digital inputs (set by tests: a beam broken), identity.
    public private(set) var rfOn = true
    /// Outputs and inputs are read and set by other threads (tests, the simulated gate) while
    /// the reader thread talks to the emulator, so they sit behind a lock.
    private let ioLock = Mutex(())
    private var outputUntil: [UInt8: UInt64] = [:]
    private var inputBits: UInt8 = 0
    private var inputSourceBody: (@Sendable (UInt64) -> UInt8)? = nil
    public var outputs: [UInt8: UInt64] { ioLock.withLock { _ in outputUntil } }
    /// The digital inputs (bit 0 = IN1) when no `inputSource` is set: a test breaking a beam.
    public var inputMask: UInt8 {
        get { ioLock.withLock { _ in inputBits } }
        set { ioLock.withLock { _ in inputBits = newValue } }
    }
    /// Computes the inputs at the request's time instead (the simulated gate's patrons
    /// walking through its beams); nil: `inputMask`.
    public var inputSource: (@Sendable (UInt64) -> UInt8)? {
        get { ioLock.withLock { _ in inputSourceBody } }
        set { ioLock.withLock { _ in inputSourceBody = newValue } }
    }
    /// False: a model without digital inputs, which answers Get Input "unknown command".
    public var hasInputs = true
    public var serialNumber: UInt32 = 0x0001_E240
    public var firmware: (UInt8, UInt8) = (3, 10)
    private var lastNanos: UInt64 = 0

    /// Whether output `n` is on at `nanos`.
    public func outputIsOn(_ n: UInt8, atNanos nanos: UInt64) -> Bool { ioLock.withLock { _ in (outputUntil[n] ?? 0) > nanos } }

    /// Counters for tests and benchmarks.
    public private(set) var requests = 0
    public private(set) var unknownCommands = 0

    public init(field: TagField) {
        self.field = field
        uidScratch.reserveCapacity(256)
    }

    /// Feeds request bytes in; returns the answer frames (possibly none) and the modelled air
    /// time the reader spent producing them.
    public func handle(_ bytes: UnsafeRawBufferPointer, atNanos now: UInt64) -> (answer: [UInt8], airNanos: UInt64) {
        decoder.append(bytes)
        var out: [UInt8] = []
        var air: UInt64 = 0
        while let frame = decoder.nextFrame() {
            requests += 1
            let (bytes, nanos) = answer(control: frame.control, data: frame.payload, now: now)
            out += bytes
            air += nanos
        }
        return (out, air)
    }

    private func answer(control: UInt8, data: UnsafeRawBufferPointer, now: UInt64) -> ([UInt8], UInt64) {
        switch control {
        case FeigCommand.readerInfo:
            guard data.count >= 1 else { return (status(control, 0x81), 0) }
            if data[0] == 0x80 {
                let s = serialNumber
                return (status(control, 0x00, [UInt8(s >> 24), UInt8((s >> 16) & 0xFF), UInt8((s >> 8) & 0xFF), UInt8(s & 0xFF)]), 0)
            }
            // SW-REV(2) D-REV HW-TYPE SW-TYPE TR-TYPE(2) RX-BUF(2) TX-BUF(2)
            return (status(control, 0x00, [firmware.0, firmware.1, 0x00, 0x20, 0x4E, 0x00, 0x03, 0x04, 0x00, 0x04, 0x00]), 0)
        case FeigCommand.rfOnOff:
            guard data.count >= 1 else { return (status(control, 0x81), 0) }
            rfOn = data[0] != 0
            return (status(control, 0x00), 0)
        case FeigCommand.setOutput:
            guard data.count >= 2, data.count == 2 + Int(data[1]) * 4 else { return (status(control, 0x81), 0) }
            for k in 0..<Int(data[1]) {
                let at = 2 + k * 4
                let tenths = UInt64(data[at + 2]) << 8 | UInt64(data[at + 3])
                let until = data[at + 1] != 0 ? now &+ tenths * 100_000_000 : 0
                ioLock.withLock { _ in outputUntil[data[at]] = until }
            }
            return (status(control, 0x00), 0)
        case FeigCommand.getInput:
            if !hasInputs { unknownCommands += 1; return (status(control, 0x80), 0) }
            let mask = inputSource?(now) ?? inputMask
            return (status(control, 0x00, [mask]), 0)
        default: break
        }
        if control == FeigCommand.isoCustom { return custom(data) }
        guard control == FeigCommand.isoHost, data.count >= 1 else {
            unknownCommands += 1
            return (status(control, 0x80), 0)  // 0x80: unknown command
        }
        switch data[0] {
        case FeigCommand.ISOSub.inventory: return inventory(data, now: now)
        case FeigCommand.ISOSub.readMultipleBlocks: return readBlocks(data)
        case FeigCommand.ISOSub.getSystemInformation: return systemInfo(data)
        case FeigCommand.ISOSub.writeAFI: return writeAFI(data)
        default:
            unknownCommands += 1
            return (status(control, 0x80), 0)
        }
    }

    private func status(_ control: UInt8, _ code: UInt8, _ extra: [UInt8] = []) -> [UInt8] {
        builder.begin(control: control, address: address)
        builder.append(code)
        builder.append(contentsOf: extra)
        return builder.finish()
    }

    private func inventory(_ data: UnsafeRawBufferPointer, now: UInt64) -> ([UInt8], UInt64) {
        guard data.count >= 2 else { return (status(FeigCommand.isoHost, 0x81), 0) }  // 0x81: length error
        let mode = data[1]
        var air: UInt64 = 0
        if mode & FeigCommand.InventoryMode.more == 0 {
            var p = 2
            var antenna: UInt8 = 1
            let withAntenna = mode & FeigCommand.InventoryMode.antenna != 0
            if withAntenna {
                guard data.count > p else { return (status(FeigCommand.isoHost, 0x81), 0) }
                antenna = data[p]; p += 1
            }
            var afiFilter: UInt8? = nil
            if mode & FeigCommand.InventoryMode.afi != 0 {
                guard data.count > p else { return (status(FeigCommand.isoHost, 0x81), 0) }
                afiFilter = data[p]; p += 1
            }
            uidScratch.removeAll(keepingCapacity: true)
            if rfOn { field.uids(antenna: antenna, atNanos: now, into: &uidScratch) }
            pendingRecords.removeAll(keepingCapacity: true)
            pendingWithAntenna = withAntenna
            for uid in uidScratch {
                guard let tag = field.tag(uid: uid) else { continue }
                if let afi = afiFilter, afi != 0, tag.afi != afi { continue }
                // RSSI: a plausible HF figure that varies per tag, deterministic for tests.
                let rssi = Int8(-40 - Int(uid % 20))
                pendingRecords.append(
                    FeigInventoryRecord(
                        trType: FeigCommand.trTypeISO15693, dsfid: tag.dsfid, uid: uid, antenna: antenna, rssi: rssi))
            }
            air = HFAirTime.inventory(tags: pendingRecords.count)
        }
        if pendingRecords.isEmpty { return (status(FeigCommand.isoHost, FeigStatus.noTransponder), air) }
        let n = min(pendingRecords.count, maxDataSetsPerAnswer)
        builder.begin(control: FeigCommand.isoHost, address: address)
        builder.append(n < pendingRecords.count ? FeigStatus.moreData : FeigStatus.ok)
        builder.append(UInt8(n))
        for r in pendingRecords.prefix(n) {
            builder.append(r.trType)
            builder.append(r.dsfid)
            builder.append(uid: r.uid)
            if pendingWithAntenna {
                builder.append(r.antenna)
                builder.append(UInt8(bitPattern: r.rssi))
            }
        }
        pendingRecords.removeFirst(n)
        return (builder.finish(), air)
    }

    private func addressedTag(_ data: UnsafeRawBufferPointer, minLength: Int) -> EmulatedTag? {
        guard data.count >= minLength, data[1] & FeigCommand.addressedMode != 0 else { return nil }
        var uid: UInt64 = 0
        for i in 0..<8 { uid = uid << 8 | UInt64(data[2 + i]) }
        return field.tag(uid: uid)
    }

    private func readBlocks(_ data: UnsafeRawBufferPointer) -> ([UInt8], UInt64) {
        guard let tag = addressedTag(data, minLength: 12) else {
            return (status(FeigCommand.isoHost, FeigStatus.noTransponder), HFAirTime.getSystemInformation)
        }
        let first = Int(data[10]), count = Int(data[11])
        guard count > 0, first + count <= tag.blockCount else {
            // ISO 15693 error 0x10: block not available.
            return (
                status(FeigCommand.isoHost, FeigStatus.isoError, [0x10]), HFAirTime.readMultipleBlocks(count: 0, blockSize: tag.blockSize)
            )
        }
        builder.begin(control: FeigCommand.isoHost, address: address)
        builder.append(FeigStatus.ok)
        builder.append(UInt8(count))
        builder.append(UInt8(tag.blockSize))
        for b in first..<(first + count) {
            builder.append(0x00)  // security status: unlocked
            builder.append(contentsOf: tag.memory[(b * tag.blockSize)..<((b + 1) * tag.blockSize)])
        }
        return (builder.finish(), HFAirTime.readMultipleBlocks(count: count, blockSize: tag.blockSize))
    }

    private func systemInfo(_ data: UnsafeRawBufferPointer) -> ([UInt8], UInt64) {
        guard let tag = addressedTag(data, minLength: 10) else {
            return (status(FeigCommand.isoHost, FeigStatus.noTransponder), HFAirTime.getSystemInformation)
        }
        builder.begin(control: FeigCommand.isoHost, address: address)
        builder.append(FeigStatus.ok)
        builder.append(tag.dsfid)
        builder.append(uid: tag.uid)
        builder.append(tag.afi)
        builder.append(UInt8(tag.blockSize - 1))
        builder.append(UInt8(tag.blockCount - 1))
        builder.append(tag.icReference)
        return (builder.finish(), HFAirTime.getSystemInformation)
    }

    /// [0xB1]: CMD, MODE, MFR, UID. Only the NXP EAS commands, and only on NXP tags; other
    /// chips answer ISO error 0x01 (command not supported), as a real tag would.
    private func custom(_ data: UnsafeRawBufferPointer) -> ([UInt8], UInt64) {
        let control = FeigCommand.isoCustom
        guard data.count >= 11, data[1] & FeigCommand.addressedMode != 0 else { return (status(control, 0x81), 0) }
        let cmd = data[0]
        guard cmd == FeigCommand.NXPCustom.setEAS || cmd == FeigCommand.NXPCustom.resetEAS else {
            unknownCommands += 1
            return (status(control, 0x80), 0)
        }
        var uid: UInt64 = 0
        for i in 0..<8 { uid = uid << 8 | UInt64(data[3 + i]) }
        guard let tag = field.tag(uid: uid) else { return (status(control, FeigStatus.noTransponder), HFAirTime.writeAFI) }
        guard data[2] == FeigCommand.NXPCustom.manufacturer, tag.hasEAS else {
            return (status(control, FeigStatus.isoError, [0x01]), HFAirTime.writeAFI)
        }
        guard field.setEAS(uid: uid, on: cmd == FeigCommand.NXPCustom.setEAS) else {
            return (status(control, FeigStatus.isoError, [0x01]), HFAirTime.writeAFI)
        }
        return (status(control, FeigStatus.ok), HFAirTime.writeAFI)
    }

    private func writeAFI(_ data: UnsafeRawBufferPointer) -> ([UInt8], UInt64) {
        guard let tag = addressedTag(data, minLength: 11), field.setAFI(uid: tag.uid, afi: data[10]) else {
            return (status(FeigCommand.isoHost, FeigStatus.noTransponder), HFAirTime.writeAFI)
        }
        return (status(FeigCommand.isoHost, FeigStatus.ok), HFAirTime.writeAFI)
    }
}
