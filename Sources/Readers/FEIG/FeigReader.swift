import ReaderProtocols
import TagRing

/// Driver for FEIG HF readers and gates speaking the advanced protocol (ISO host commands).
///
/// One inventory cycle: inventory each configured antenna (following "more data" answers), then
/// for every tag not read recently, fetch its system information (AFI, DSFID, memory layout)
/// and the first blocks of user memory, and emit one `TagRead` per tag per antenna. Tag memory
/// is remembered per UID while the tag stays in the field, so a tag passing a gate costs two
/// extra exchanges once, not on every inventory round.
///
/// Owned by one reader thread; allocation-free in steady state.
public final class FeigReader: InventoryDriver {
    public struct Options: Sendable {
        public var readerID: UInt16
        /// Antenna numbers to inventory in turn; `[]` means the reader's single default antenna.
        public var antennas: [UInt8]
        /// How many bytes of user memory to read for decoding (rounded up to whole blocks).
        public var memoryBytes: Int
        public var responseTimeoutNanos: UInt64
        /// Re-read a tag's AFI and memory after this long even if it never left the field
        /// (a station may have flipped its AFI meanwhile).
        public var tagCacheMaxAgeNanos: UInt64
        /// Forget a tag after it has been unseen this long.
        public var tagCacheIdleNanos: UInt64

        public init(
            readerID: UInt16, antennas: [UInt8] = [], memoryBytes: Int = TagRead.memoryCapacity,
            responseTimeoutNanos: UInt64 = 500_000_000, tagCacheMaxAgeNanos: UInt64 = 2_000_000_000,
            tagCacheIdleNanos: UInt64 = 5_000_000_000
        ) {
            self.readerID = readerID
            self.antennas = antennas
            self.memoryBytes = min(memoryBytes, TagRead.memoryCapacity)
            self.responseTimeoutNanos = responseTimeoutNanos
            self.tagCacheMaxAgeNanos = tagCacheMaxAgeNanos
            self.tagCacheIdleNanos = tagCacheIdleNanos
        }
    }

    struct CachedTag {
        var read: TagRead  // template: id, AFI, DSFID, memory and flags filled in
        var readAtNanos: UInt64
        var lastSeenNanos: UInt64
    }

    public let options: Options
    public let stats = ReaderStats()
    private let transport: ReaderTransport
    private let clock: any MonotonicClock
    var builder = FeigFrameBuilder()
    private let decoder = FeigFrameDecoder()
    private var records: [FeigInventoryRecord] = []
    private var cache: [UInt64: CachedTag] = [:]
    private var lastSweepNanos: UInt64 = 0
    private var expired: [UInt64] = []
    private let memoryScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)

    public init(transport: ReaderTransport, clock: any MonotonicClock, options: Options) {
        self.transport = transport
        self.clock = clock
        self.options = options
        records.reserveCapacity(256)
        cache.reserveCapacity(1024)
        expired.reserveCapacity(1024)
    }

    deinit { memoryScratch.deallocate() }

    public var label: String { transport.label }

    public var reattach: ReattachSignal? { (transport as? ReconnectingTransport)?.reattach }

    /// The wire this driver talks over (to show connection state).
    public var wire: ReaderTransport { transport }

    public func shutdown() { transport.close() }

    /// Runs one inventory over every antenna and hands each read to `emit`.
    /// Returns the number of reads emitted.
    @discardableResult
    public func inventoryCycle(_ emit: (borrowing TagRead) -> Void) throws(ReaderError) -> Int {
        var emitted = 0
        let antennas: [UInt8] = options.antennas.isEmpty ? [0] : options.antennas
        for antenna in antennas {
            let arrival = try inventory(antenna: antenna)
            for record in records {
                let read = try tagRead(for: record, arrival: arrival)
                emit(read)
                emitted += 1
            }
        }
        stats.bump(stats.reads, by: emitted)
        sweepCache()
        return emitted
    }

    /// Inventories one antenna (0 = the reader's default, no antenna byte) into `records`.
    /// Returns when the (last) answer frame arrived.
    private func inventory(antenna: UInt8) throws(ReaderError) -> UInt64 {
        records.removeAll(keepingCapacity: true)
        let withAntenna = antenna != 0
        var mode: UInt8 = withAntenna ? FeigCommand.InventoryMode.antenna : 0
        var arrival: UInt64 = 0
        while true {
            builder.begin(control: FeigCommand.isoHost)
            builder.append(FeigCommand.ISOSub.inventory)
            builder.append(mode)
            if withAntenna && mode & FeigCommand.InventoryMode.more == 0 { builder.append(antenna) }
            let frame = try exchange("inventory")
            arrival = clock.nanoseconds()
            let status: UInt8
            do {
                status = try FeigResponse.parseInventory(
                    frame.payload, withAntenna: withAntenna, defaultAntenna: max(antenna, 1)
                ) { records.append($0) }
            } catch {
                stats.bump(stats.protocolErrors)
                throw .protocolError(error)
            }
            if status != FeigStatus.moreData { break }
            mode |= FeigCommand.InventoryMode.more
        }
        stats.bump(stats.inventories)
        return arrival
    }

    private func tagRead(for record: FeigInventoryRecord, arrival: UInt64) throws(ReaderError) -> TagRead {
        if var cached = cache[record.uid], arrival &- cached.readAtNanos < options.tagCacheMaxAgeNanos {
            cached.lastSeenNanos = arrival
            cache[record.uid] = cached
            var read = cached.read
            read.arrivalNanos = arrival
            read.antenna = record.antenna
            read.rssi = record.rssi
            return read
        }
        var read = TagRead(
            arrivalNanos: arrival, reader: options.readerID, antenna: record.antenna, kind: .iso15693,
            dsfid: record.dsfid, rssi: record.rssi)
        _ = withUnsafeBytes(of: record.uid.bigEndian) { read.setID($0) }
        do {
            let info = try systemInformation(uid: record.uid)
            read.afi = info.afi
            read.dsfid = info.dsfid
            read.flags.insert(.systemInfoValid)
            let wanted = min(options.memoryBytes, info.blockSize * info.blockCount)
            let blocks = (wanted + info.blockSize - 1) / info.blockSize
            if blocks > 0 {
                let n = try readBlocks(uid: record.uid, first: 0, count: blocks)
                read.setMemory(UnsafeRawBufferPointer(rebasing: memoryScratch[0..<n]))
                read.flags.insert(.memoryValid)
            }
            // This read became complete when the last answer it needed arrived.
            read.arrivalNanos = clock.nanoseconds()
            cache[record.uid] = CachedTag(read: read, readAtNanos: arrival, lastSeenNanos: arrival)
        } catch let error where !error.isDisconnect {
            // The tag left the field between inventory and read, or answered an error: report
            // what we have (UID only) and let policy decide; try again next cycle.
            stats.bump(stats.tagReadFailures)
        }
        return read
    }

    public func systemInformation(uid: UInt64) throws(ReaderError) -> FeigResponse.SystemInfo {
        builder.begin(control: FeigCommand.isoHost)
        builder.append(FeigCommand.ISOSub.getSystemInformation)
        builder.append(FeigCommand.addressedMode)
        builder.append(uid: uid)
        let frame = try exchange("get system information")
        do { return try FeigResponse.parseSystemInfo(frame.payload) } catch { throw .protocolError(error) }
    }

    /// Reads `count` blocks from `first` into the driver's scratch buffer; returns bytes read.
    private func readBlocks(uid: UInt64, first: Int, count: Int) throws(ReaderError) -> Int {
        builder.begin(control: FeigCommand.isoHost)
        builder.append(FeigCommand.ISOSub.readMultipleBlocks)
        builder.append(FeigCommand.addressedMode)
        builder.append(uid: uid)
        builder.append(UInt8(first))
        builder.append(UInt8(count))
        let frame = try exchange("read multiple blocks")
        do { return try FeigResponse.parseReadBlocks(frame.payload, into: memoryScratch) } catch { throw .protocolError(error) }
    }

    /// Reads user memory into a new array (stations and `readers scan`; not the gate hot path).
    public func readMemory(uid: UInt64, bytes: Int) throws(ReaderError) -> [UInt8] {
        let info = try systemInformation(uid: uid)
        let blocks = min(info.blockCount, (bytes + info.blockSize - 1) / info.blockSize, 256 / info.blockSize)
        let n = try readBlocks(uid: uid, first: 0, count: blocks)
        return Array(memoryScratch[0..<n])
    }

    /// Writes the AFI of one tag (a station securing or releasing an item).
    public func writeAFI(uid: UInt64, afi: UInt8) throws(ReaderError) {
        builder.begin(control: FeigCommand.isoHost)
        builder.append(FeigCommand.ISOSub.writeAFI)
        builder.append(FeigCommand.addressedMode)
        builder.append(uid: uid)
        builder.append(afi)
        let frame = try exchange("write AFI")
        do { try FeigResponse.checkStatus(frame.payload, "write AFI") } catch { throw .protocolError(error) }
        cache[uid] = nil
    }

    /// Sets or resets the NXP ICODE EAS bit of one tag (dp2-style security). Other chips answer
    /// with an ISO error, which comes back as `.protocolError` naming the command.
    public func setEAS(uid: UInt64, on: Bool) throws(ReaderError) {
        let what = on ? "set EAS" : "reset EAS"
        builder.begin(control: FeigCommand.isoCustom)
        builder.append(on ? FeigCommand.NXPCustom.setEAS : FeigCommand.NXPCustom.resetEAS)
        builder.append(FeigCommand.addressedMode)
        builder.append(FeigCommand.NXPCustom.manufacturer)
        builder.append(uid: uid)
        let frame = try exchange(what, control: FeigCommand.isoCustom)
        do { try FeigResponse.checkStatus(frame.payload, what) } catch { throw .protocolError(error) }
    }

    /// Sends the built request and waits for the answer frame. Noise and damaged frames are
    /// skipped (and counted); an answer to something else is discarded.
    func exchange(_ what: String, control: UInt8 = FeigCommand.isoHost) throws(ReaderError) -> FeigFrameView {
        let request = builder.finish()
        decoder.reset()
        // Array.withUnsafeBytes is rethrows (untyped), so carry the typed error out by hand.
        let sendError = request.withUnsafeBytes { bytes -> TransportError? in
            do throws(TransportError) { try transport.send(bytes); return nil } catch { return error }
        }
        if let error = sendError {
            if case .disconnected = error { stats.bump(stats.disconnects) }
            throw .transport(error)
        }
        let deadline = clock.nanoseconds() &+ options.responseTimeoutNanos
        let garbageBefore = decoder.garbageBytes, crcBefore = decoder.crcErrors
        defer {
            stats.bump(stats.garbageBytes, by: decoder.garbageBytes - garbageBefore)
            stats.bump(stats.crcErrors, by: decoder.crcErrors - crcBefore)
        }
        while true {
            if let frame = decoder.nextFrame() {
                if frame.control == control { return frame }
                continue
            }
            let now = clock.nanoseconds()
            if now >= deadline {
                stats.bump(stats.timeouts)
                throw .timeout(command: what, millis: Int(options.responseTimeoutNanos / 1_000_000))
            }
            let got: Int
            do { got = try transport.receive(into: decoder.writableSpace(), timeoutNanos: deadline - now) } catch {
                if case .disconnected = error { stats.bump(stats.disconnects) }
                throw .transport(error)
            }
            if got == 0 {
                // The transport waited out the whole timeout (its contract): no answer.
                stats.bump(stats.timeouts)
                throw .timeout(command: what, millis: Int(options.responseTimeoutNanos / 1_000_000))
            }
            decoder.commit(got)
        }
    }

    private func sweepCache() {
        let now = clock.nanoseconds()
        guard now &- lastSweepNanos > 1_000_000_000 else { return }
        lastSweepNanos = now
        let idle = options.tagCacheIdleNanos
        // Remove in place (filter would build a new dictionary every second).
        expired.removeAll(keepingCapacity: true)
        for (uid, entry) in cache where now &- entry.lastSeenNanos >= idle { expired.append(uid) }
        for uid in expired { cache.removeValue(forKey: uid) }
    }
}
