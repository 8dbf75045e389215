import CirculationModel
import Gate
import ISO28560
import Readers
import TagRing
import Testing

/// A read of a part-2 tag with owner and set information.
func setRead(_ pii: String, part: Int, of parts: Int, uid: UInt64, afi: UInt8, owner: String? = nil, at nanos: UInt64) throws -> TagRead {
    var record = ItemRecord(primaryItemIdentifier: pii)
    if parts > 1 { record.setInformation = String(parts) + String(part) }
    record.ownerInstitution = owner
    let memory = try ISO28560.Part2.encode(record, blockSize: 4)
    var r = TagRead(arrivalNanos: nanos, reader: 0, antenna: 1, kind: .iso15693, afi: afi, dsfid: 0x06)
    _ = withUnsafeBytes(of: uid.bigEndian) { r.setID($0) }
    _ = memory.withUnsafeBytes { r.setMemory($0) }
    r.flags = [.systemInfoValid, .memoryValid]
    return r
}

@Suite("Gate pipeline with the circulation cache")
struct PipelineCacheTests {
    func harness(_ policy: GatePolicy = GatePolicy()) -> (ManualClock, TagRing, GatePipeline, GateIndex) {
        let clock = ManualClock()
        let ring = TagRing(capacity: 256)
        let index = GateIndex()
        var s = PipelineSettings()
        s.dedupeWindowNanos = 0
        s.passageGapNanos = 2_000_000_000
        return (clock, ring, GatePipeline(rings: [ring], settings: s, policy: policy, clock: clock, index: index), index)
    }

    func drain(_ p: GatePipeline) -> [GateEvent] {
        var out: [GateEvent] = []
        while let e = p.events.pop() { out.append(e) }
        return out
    }

    @Test func hotListItemAlarmsOncePerPassageAndALiveUpdateTakesEffect() throws {
        let (clock, ring, pipeline, index) = harness()
        // Not hot yet: a checked-out tag passes.
        ring.push(try setRead("39010000000777", part: 1, of: 1, uid: 1, afi: 0xC2, at: clock.nanoseconds()))
        pipeline.processAvailable()
        #expect(drain(pipeline).isEmpty)
        // Reported stolen (another thread in the daemon): the next passage alarms, once.
        index.set(CirculationKey.of("39010000000777"), CacheEntry(loan: .unknown, hot: true))
        clock.advance(byMillis: 2500)
        for _ in 0..<5 {
            ring.push(try setRead("39010000000777", part: 1, of: 1, uid: 1, afi: 0xC2, at: clock.nanoseconds()))
            pipeline.processAvailable()
            clock.advance(byMillis: 100)
        }
        let events = drain(pipeline)
        #expect(events.map(\.kind) == [.alarm])
        #expect(events.first?.reason == .hotList)
        #expect(events.first?.cache.hot == true)
    }

    @Test func eachPartOfASetIsJudgedOnItsOwn() throws {
        let (clock, ring, pipeline, index) = harness()
        index.set(CirculationKey.of("SET-1"), CacheEntry(loan: .onLoan, hot: false))
        // A 3-disc set on loan; disc 2's tag was never unsecured: that part alarms, alone.
        ring.push(try setRead("SET-1", part: 1, of: 3, uid: 11, afi: 0xC2, at: clock.nanoseconds()))
        ring.push(try setRead("SET-1", part: 2, of: 3, uid: 12, afi: 0x07, at: clock.nanoseconds()))
        ring.push(try setRead("SET-1", part: 3, of: 3, uid: 13, afi: 0xC2, at: clock.nanoseconds()))
        pipeline.processAvailable()
        let events = drain(pipeline)
        let alarms = events.filter { $0.kind == .alarm }
        #expect(alarms.count == 1)
        #expect(alarms.first?.partNumber == 2 && alarms.first?.partsInSet == 3)
        #expect(pipeline.stats.items.load(ordering: .relaxed) == 3)
        // The disagreement (secured tag, on loan in the cache) is reported once.
        #expect(events.filter { $0.kind == .conflict }.count == 1)
        // Two parts secured: two alarms in one passage.
        let (clock2, ring2, pipeline2, _) = harness()
        ring2.push(try setRead("SET-2", part: 1, of: 2, uid: 21, afi: 0x07, at: clock2.nanoseconds()))
        ring2.push(try setRead("SET-2", part: 2, of: 2, uid: 22, afi: 0x07, at: clock2.nanoseconds()))
        ring2.push(try setRead("SET-2", part: 2, of: 2, uid: 22, afi: 0x07, at: clock2.nanoseconds()))
        pipeline2.processAvailable()
        #expect(drain(pipeline2).filter { $0.kind == .alarm }.map(\.partNumber) == [1, 2])
    }

    @Test func cacheDecidesForTagsWithoutAMeaningfulAFI() throws {
        let (clock, ring, pipeline, index) = harness()
        index.set(CirculationKey.of("A-LOANED"), CacheEntry(loan: .onLoan, hot: false))
        index.set(CirculationKey.of("A-SHELF"), CacheEntry(loan: .inLibrary, hot: false))
        for (pii, uid) in [("A-LOANED", UInt64(1)), ("A-SHELF", 2), ("A-UNKNOWN", 3)] {
            ring.push(try setRead(pii, part: 1, of: 1, uid: uid, afi: 0x00, at: clock.nanoseconds()))
        }
        pipeline.processAvailable()
        let alarms = drain(pipeline).filter { $0.kind == .alarm }
        #expect(alarms.map(\.item.string) == ["A-SHELF", "A-UNKNOWN"])
        #expect(alarms.map(\.reason) == [.cacheInLibrary, .unknownSecurity])
    }

    @Test func consortiumAndForeignItemsFollowTheOwnerRules() throws {
        var policy = GatePolicy()
        policy.ownISILs = ["DK-718500"]
        policy.consortiumISILs = ["DK-715700"]
        policy.consortiumItems = .pass
        policy.foreignItems = .alarm
        let (clock, ring, pipeline, _) = harness(policy)
        ring.push(try setRead("C1", part: 1, of: 1, uid: 1, afi: 0x07, owner: "DK-715700", at: clock.nanoseconds()))
        ring.push(try setRead("F1", part: 1, of: 1, uid: 2, afi: 0xC2, owner: "SE-ABC12", at: clock.nanoseconds()))
        ring.push(try setRead("O1", part: 1, of: 1, uid: 3, afi: 0xC2, owner: "DK-718500", at: clock.nanoseconds()))
        pipeline.processAvailable()
        let alarms = drain(pipeline).filter { $0.kind == .alarm }
        #expect(alarms.map(\.item.string) == ["F1"])
        #expect(alarms.first?.reason == .foreignItem)
        #expect(alarms.first?.owner.string == "SE-ABC12")
    }
}
