import ReaderEmulators
import ReaderHub
import Readers
import TagRing
import Testing
import Threads

/// The role-agnostic hub: readers built from their specs, reads into the rings, and tag writes
/// through a reader's mailbox on its own thread (what the station does to check an item out).
@Suite("Reader hub", .serialized)
struct ReaderHubTests {
    let uid: UInt64 = 0xE004_0100_0000_0001

    func simulatedHub(_ field: StaticTagField) throws -> ReaderHub {
        var spec = ReaderSpec(id: "pad", driver: .feigSim, antennas: [1])
        spec.responseTimeoutMillis = 200
        let world = SimulatedWorld(field: field, beamInputs: { _, _, _ in 0 })
        return try ReaderHub(readers: [spec], ringCapacity: 1024, clock: SystemMonotonicClock(), world: world)
    }

    /// The AFI the newest reads of `uid` carry, draining the ring (the consumer's job).
    func latestAFI(_ hub: ReaderHub, seen: inout UInt8?) {
        _ = hub.rings[0].drain(max: 1024) { read in
            if read.idKey == uid { seen = read.afi }
        }
    }

    @Test func readsReachTheRingAndATagWriteGoesThroughTheReadersThread() throws {
        let field = StaticTagField()
        field.place(hotplugTag(1))
        let hub = try simulatedHub(field)
        hub.start()
        defer { hub.stopReaders(); hub.shutdown() }
        var afi: UInt8? = nil
        try waitFor(10, "a read of the tag") {
            latestAFI(hub, seen: &afi); return afi == 0x07
        }

        let commands = try #require(hub.commands(for: "pad"))
        try commands.write(.afi(0xC2), to: .hf(uid: uid), timeoutNanos: 2_000_000_000)
        #expect(field.tag(uid: uid)?.afi == 0xC2)
        try waitFor(10, "a read with the new AFI") {
            latestAFI(hub, seen: &afi); return afi == 0xC2
        }
        try commands.write(.eas(true), to: .hf(uid: uid), timeoutNanos: 2_000_000_000)
        #expect(field.tag(uid: uid)?.eas == true)
        #expect(hub.readerName(0) == "pad")
        #expect(hub.drops == 0)
    }

    @Test func aWriteTheTagRefusesComesBackAsTheReadersError() throws {
        let field = StaticTagField()
        field.place(hotplugTag(1))
        let hub = try simulatedHub(field)
        hub.start()
        defer { hub.stopReaders(); hub.shutdown() }
        let commands = try #require(hub.commands(for: "pad"))
        try waitFor(10, "the reader reading") { hub.runners[0].state == .reading }
        // Not in the field: the reader answers "no transponder".
        #expect {
            try commands.write(.afi(0xC2), to: .hf(uid: 0xE004_0100_0000_00FF), timeoutNanos: 2_000_000_000)
        } throws: { e in
            guard case ReaderCommandError.failed(let reader, _) = e as! ReaderCommandError else { return false }
            return reader == "pad" && "\(e)".contains("no transponder")
        }
    }

    @Test func aStoppedReaderRefusesWritesAtOnce() throws {
        let field = StaticTagField()
        field.place(hotplugTag(1))
        let hub = try simulatedHub(field)
        hub.start()
        hub.stopReaders()
        defer { hub.shutdown() }
        let commands = try #require(hub.commands(for: "pad"))
        #expect(throws: ReaderCommandError.unavailable(reader: "pad", reason: "the reader is stopped")) {
            try commands.write(.afi(0xC2), to: .hf(uid: uid), timeoutNanos: 2_000_000_000)
        }
        #expect(field.tag(uid: uid)?.afi == 0x07)
    }

    @Test func aSimulatedReaderWithoutAWorldIsAClearError() {
        #expect {
            _ = try ReaderHub(readers: [ReaderSpec(id: "x", driver: .feigSim)], ringCapacity: 64, clock: SystemMonotonicClock())
        } throws: { e in
            "\(e)".contains("feig-sim needs a simulated world")
        }
    }
}
