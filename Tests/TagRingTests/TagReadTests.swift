import TagRing
import Testing

@Suite struct TagReadTests {
    @Test func isSmallAndFixedSize() {
        // Exactly one cache-line pair per read: large enough for an EPC and a 28560-3 basic block,
        // small enough that the default 16,384-slot ring is 2 MB.
        #expect(MemoryLayout<TagRead>.stride == 128)
        #expect(_isPOD(TagRead.self))
    }

    @Test func idAndMemoryRoundTripAndTruncate() {
        var read = TagRead(arrivalNanos: 1, reader: 2, antenna: 3, kind: .iso15693)
        let uid: [UInt8] = [0xE0, 0x04, 0x01, 0x00, 0x12, 0x34, 0x56, 0x78]
        #expect(uid.withUnsafeBytes { read.setID($0) })
        #expect(read.idKey == 0xE004_0100_1234_5678)
        #expect(read.withID { Array($0) } == uid)
        let long = [UInt8](repeating: 0xAB, count: 100)
        #expect(!long.withUnsafeBytes { read.setMemory($0) })
        #expect(Int(read.memoryLength) == TagRead.memoryCapacity)
        #expect(read.withMemory { Array($0) } == Array(long.prefix(TagRead.memoryCapacity)))
    }

    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualClock(startNanos: 5)
        #expect(clock.nanoseconds() == 5)
        clock.advance(byMillis: 2)
        #expect(clock.nanoseconds() == 2_000_005)
    }
}
