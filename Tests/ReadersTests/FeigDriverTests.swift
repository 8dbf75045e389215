import ReaderEmulators
import ReaderProtocols
import Readers
import TagRing
import Testing

func makeTag(_ n: UInt64, afi: UInt8 = 0x07) -> EmulatedTag {
    // Memory: a recognisable pattern per tag, 28 blocks like an ICODE SLIX.
    EmulatedTag(uid: 0xE004_0100_0000_0000 | n, dsfid: 0x06, afi: afi, memory: (0..<112).map { UInt8(truncatingIfNeeded: Int(n) &+ $0) })
}

func readsFrom(_ reader: FeigReader) throws -> [TagRead] {
    var reads: [TagRead] = []
    try reader.inventoryCycle { reads.append(copy $0) }
    return reads
}

@Suite("FEIG driver against the wire-level emulator")
struct FeigDriverTests {
    let clock = ManualClock()

    func setup(tags: Int, antennas: [UInt8] = [], faults: WireFaults = WireFaults()) -> (FeigReader, EmulatorTransport, StaticTagField) {
        let field = StaticTagField()
        for i in 0..<tags { field.place(makeTag(UInt64(i), afi: i % 2 == 0 ? 0x07 : 0xC2), antennas: antennas.isEmpty ? [1] : antennas) }
        let transport = EmulatorTransport(label: "sim", emulator: FeigEmulator(field: field), clock: clock, realTime: false, faults: faults)
        let reader = FeigReader(transport: transport, clock: clock, options: .init(readerID: 7, antennas: antennas))
        return (reader, transport, field)
    }

    @Test func inventoriesAndReadsEveryTag() throws {
        let (reader, _, _) = setup(tags: 10)
        let reads = try readsFrom(reader)
        #expect(reads.count == 10)
        for (i, r) in reads.enumerated() {
            #expect(r.idKey == 0xE004_0100_0000_0000 | UInt64(i))
            #expect(r.reader == 7)
            #expect(r.afi == (i % 2 == 0 ? 0x07 : 0xC2))
            #expect(r.dsfid == 0x06)
            #expect(r.flags.contains(.memoryValid) && r.flags.contains(.systemInfoValid))
            #expect(r.withMemory { Array($0) } == Array(makeTag(UInt64(i)).memory.prefix(64)))
        }
    }

    @Test func followsMoreDataAnswersAndTagsOnSeveralAntennas() throws {
        let (reader, transport, _) = setup(tags: 60, antennas: [1, 2])
        transport.emulator.maxDataSetsPerAnswer = 16
        let reads = try readsFrom(reader)
        #expect(reads.count == 120)
        #expect(Set(reads.map(\.antenna)) == [1, 2])
        #expect(Set(reads.map(\.idKey)).count == 60)
        #expect(reads.allSatisfy { $0.rssi != .min })
    }

    @Test func secondCycleUsesTheTagCacheUntilItAges() throws {
        let (reader, transport, _) = setup(tags: 5)
        _ = try readsFrom(reader)
        let after1 = transport.emulator.requests
        _ = try readsFrom(reader)
        #expect(transport.emulator.requests - after1 == 1)  // inventory only
        clock.advance(byMillis: 2_500)  // past tagCacheMaxAge: AFI and memory are read again
        _ = try readsFrom(reader)
        #expect(transport.emulator.requests - after1 == 1 + 1 + 5 * 2)
    }

    @Test func survivesSplitFramesAndLineNoise() throws {
        let (reader, _, _) = setup(tags: 8, faults: WireFaults(chunkSize: 3, garbageEvery: 2))
        let reads = try readsFrom(reader)
        #expect(reads.count == 8)
        #expect(reader.stats.garbageBytes.load(ordering: .relaxed) > 0)
    }

    @Test func corruptedAnswerIsATimeoutNotAWrongRead() throws {
        let (reader, _, _) = setup(tags: 3, faults: WireFaults(corruptEvery: 1))
        #expect(throws: ReaderError.timeout(command: "inventory", millis: 500)) { try readsFrom(reader) }
        #expect(reader.stats.crcErrors.load(ordering: .relaxed) == 1)
    }

    @Test func droppedAnswerTimesOutAndTheNextCycleRecovers() throws {
        let (reader, transport, _) = setup(tags: 2, faults: WireFaults(dropEvery: 1))
        #expect(throws: ReaderError.self) { try readsFrom(reader) }
        #expect(reader.stats.timeouts.load(ordering: .relaxed) == 1)
        transport.faults = WireFaults()
        #expect(try readsFrom(reader).count == 2)
    }

    @Test func unplugMidInventoryIsADisconnect() throws {
        // Request 1 = inventory, 2 = system info of the first tag: unplugged there.
        let (reader, _, _) = setup(tags: 4, faults: WireFaults(disconnectAfter: 2))
        do {
            _ = try readsFrom(reader)
            Issue.record("no error after unplug")
        } catch let error as ReaderError {
            #expect(error.isDisconnect)
            #expect(error.description.contains("unplugged"))
        }
        #expect(reader.stats.disconnects.load(ordering: .relaxed) == 1)
    }

    @Test func tagLeavingBetweenInventoryAndReadIsReportedWithoutData() throws {
        let field = StaticTagField()
        field.place(makeTag(1))
        let emulator = FeigEmulator(field: field)
        // A field that forgets the tag as soon as it has been inventoried.
        final class Leaving: TagField, @unchecked Sendable {
            let inner: StaticTagField; var inventoried = false
            init(_ inner: StaticTagField) { self.inner = inner }
            func uids(antenna: UInt8, atNanos: UInt64, into: inout [UInt64]) {
                inner.uids(antenna: antenna, atNanos: atNanos, into: &into); inventoried = true
            }
            func tag(uid: UInt64) -> EmulatedTag? { inventoried ? nil : inner.tag(uid: uid) }
            func setAFI(uid: UInt64, afi: UInt8) -> Bool { false }
        }
        let leaving = Leaving(field)
        let e2 = FeigEmulator(field: leaving)
        _ = emulator
        let reader = FeigReader(
            transport: EmulatorTransport(label: "sim", emulator: e2, clock: clock, realTime: false),
            clock: clock, options: .init(readerID: 1))
        // The inventory itself needs the tag; after it the tag is gone.
        leaving.inventoried = false
        var reads: [TagRead] = []
        try reader.inventoryCycle { reads.append(copy $0) }
        #expect(reads.count <= 1)
        if let r = reads.first {
            #expect(!r.flags.contains(.memoryValid))
            #expect(reader.stats.tagReadFailures.load(ordering: .relaxed) == 1)
        }
    }

    @Test func writeAFIChangesWhatTheNextReadSees() throws {
        let (reader, _, field) = setup(tags: 1)
        let uid: UInt64 = 0xE004_0100_0000_0000
        try reader.writeAFI(uid: uid, afi: 0xC2)
        #expect(field.tag(uid: uid)?.afi == 0xC2)
        #expect(try readsFrom(reader).first?.afi == 0xC2)
    }

    @Test func tagWritingSetsTheAFIAndTheNXPEASBit() throws {
        let (reader, _, field) = setup(tags: 1)
        let uid: UInt64 = 0xE004_0100_0000_0000  // E0 04: an NXP chip
        let writer: any TagWriting = reader
        try writer.write(.afi(0xC2), to: .hf(uid: uid))
        #expect(field.tag(uid: uid)?.afi == 0xC2)
        try writer.write(.eas(true), to: .hf(uid: uid))
        #expect(field.tag(uid: uid)?.eas == true)
        try writer.write(.eas(false), to: .hf(uid: uid))
        #expect(field.tag(uid: uid)?.eas == false)
    }

    @Test func easOnAChipWithoutOneIsAClearErrorAndChangesNothing() throws {
        let (reader, _, field) = setup(tags: 0)
        let uid: UInt64 = 0xE007_0000_0000_0001  // E0 07: Texas Instruments, no NXP EAS
        field.place(EmulatedTag(uid: uid, dsfid: 0x06, afi: 0x07, memory: [UInt8](repeating: 0, count: 32)))
        #expect {
            try reader.write(.eas(true), to: .hf(uid: uid))
        } throws: { e in
            guard case ReaderError.protocolError = e as! ReaderError else { return false }
            return "\(e)".contains("set EAS") && "\(e)".contains("0x01")
        }
        #expect(field.tag(uid: uid)?.eas == false)
        // A UHF address is refused before anything goes on the wire.
        #expect {
            try reader.write(.afi(0xC2), to: .uhf(epc: [0x30, 0x00], pc: 0x3000))
        } throws: { e in
            if case ReaderError.refused = e as! ReaderError { return true } else { return false }
        }
    }

    @Test func airTimeModelMatchesTheAnchors() {
        // engineering-anchors §1b: reading 8–9 four-byte blocks costs ~12–15 ms.
        let read9 = Double(HFAirTime.readMultipleBlocks(count: 9, blockSize: 4)) / 1e6
        #expect(read9 > 12 && read9 < 22)
        // A 16-slot round with 10 tags takes ~30–50 ms; the full anticollision of 10 is longer.
        let inv10 = Double(HFAirTime.inventory(tags: 10)) / 1e6
        #expect(inv10 > 30 && inv10 < 120)
        #expect(HFAirTime.inventory(tags: 0) > 10_000_000)
    }
}

@Suite("FEIG reader-level commands against the emulator")
struct FeigControlTests {
    let clock = ManualClock()

    func setup() -> (FeigReader, FeigEmulator) {
        let field = StaticTagField()
        field.place(makeTag(1))
        let emulator = FeigEmulator(field: field)
        let reader = FeigReader(
            transport: EmulatorTransport(label: "sim", emulator: emulator, clock: clock, realTime: false), clock: clock,
            options: .init(readerID: 1))
        return (reader, emulator)
    }

    @Test func readerInfoAndSerial() throws {
        let (reader, emulator) = setup()
        emulator.firmware = (3, 12)
        #expect(try reader.readerInfo().firmware == "3.12")
        #expect(try reader.serialNumber() == 0x0001_E240)
    }

    @Test func rfOffSilencesTheFieldAndOnBringsItBack() throws {
        let (reader, _) = setup()
        try reader.setRF(on: false)
        #expect(try readsFrom(reader).isEmpty)
        try reader.setRF(on: true)
        #expect(try readsFrom(reader).count == 1)
    }

    @Test func outputsSwitchOffByThemselvesAndInputsAreRead() throws {
        let (reader, emulator) = setup()
        try reader.setOutput(2, onForMillis: 1500)
        let now = clock.nanoseconds()
        #expect(emulator.outputIsOn(2, atNanos: now))
        #expect(!emulator.outputIsOn(2, atNanos: now + 1_600_000_000))
        try reader.setOutput(2, onForMillis: 0)
        #expect(!emulator.outputIsOn(2, atNanos: now))
        emulator.inputMask = 0b01
        #expect(try reader.inputs() == 0b01)
    }

    @Test func setOutputFrameBytes() {
        var b = FeigFrameBuilder()
        b.begin(control: 0x72); b.append(contentsOf: [0x01, 0x01, 0x02, 0x01, 0x00, 0x0F])
        let f = b.finish()
        #expect(Array(f.prefix(5)) == [0x02, 0x00, 0x0D, 0xFF, 0x72])
        // Get Input: the frame quoted in hardware/feig-lr-lru-gates-tcp.md.
        b.begin(control: 0x74)
        #expect(b.finish() == hex("02 00 07 FF 74 66 60"))
    }
}
