import Gate
import ISO28560
import Readers
import TagRing
import Testing

/// A read of a part-2 tag carrying `pii`, as the FEIG driver would produce it.
func read(_ pii: String, uid: UInt64, afi: UInt8, antenna: UInt8 = 1, at nanos: UInt64) throws -> TagRead {
    let memory = try ISO28560.Part2.encode(ItemRecord(primaryItemIdentifier: pii), blockSize: 4)
    var r = TagRead(arrivalNanos: nanos, reader: 0, antenna: antenna, kind: .iso15693, afi: afi, dsfid: 0x06)
    _ = withUnsafeBytes(of: uid.bigEndian) { r.setID($0) }
    _ = memory.withUnsafeBytes { r.setMemory($0) }
    r.flags = [.systemInfoValid, .memoryValid]
    return r
}

struct Harness {
    let clock = ManualClock()
    let ring = TagRing(capacity: 1024)
    let pipeline: GatePipeline

    init(dedupeMillis: UInt64 = 1000, gapMillis: UInt64 = 3000, policy: GatePolicy = GatePolicy()) {
        var s = PipelineSettings()
        s.dedupeWindowNanos = dedupeMillis * 1_000_000
        s.passageGapNanos = gapMillis * 1_000_000
        pipeline = GatePipeline(rings: [ring], settings: s, policy: policy, clock: clock)
    }

    /// Pushes the read stamped "now" and processes it.
    func see(_ pii: String, uid: UInt64, afi: UInt8, antenna: UInt8 = 1) throws {
        ring.push(try read(pii, uid: uid, afi: afi, antenna: antenna, at: clock.nanoseconds()))
        pipeline.processAvailable()
    }

    var alarms: Int { pipeline.stats.alarms.load(ordering: .relaxed) }
    var decisions: Int { pipeline.stats.decisions.load(ordering: .relaxed) }
    var items: Int { pipeline.stats.items.load(ordering: .relaxed) }

    func events() -> [GateEvent] {
        var out: [GateEvent] = []
        while let e = pipeline.events.pop() { out.append(e) }
        return out
    }
}

@Suite("Gate pipeline with an injected clock")
struct GatePipelineTests {
    @Test func dedupeWindowDropsRepeatsPerTagPerAntenna() throws {
        let h = Harness(dedupeMillis: 1000)
        try h.see("123456789012", uid: 1, afi: 0xC2, antenna: 1)
        for _ in 0..<9 {
            h.clock.advance(byMillis: 100)
            try h.see("123456789012", uid: 1, afi: 0xC2, antenna: 1)
        }
        #expect(h.decisions == 1)
        #expect(h.pipeline.stats.duplicates.load(ordering: .relaxed) == 9)
        // Same tag on the other antenna is not a repeat.
        try h.see("123456789012", uid: 1, afi: 0xC2, antenna: 2)
        #expect(h.decisions == 2)
        // Once the window has passed since the last accepted read, it is accepted again.
        h.clock.advance(byMillis: 100)  // 1000 ms after the first accepted read on antenna 1
        try h.see("123456789012", uid: 1, afi: 0xC2, antenna: 1)
        #expect(h.decisions == 3)
        #expect(h.items == 1)  // still one passage
    }

    @Test func securedItemAlarmsExactlyOncePerPassage() throws {
        let h = Harness(dedupeMillis: 200, gapMillis: 2000)
        // A patron walks through: 1.5 s of reads on both antennas.
        for _ in 0..<30 {
            try h.see("39010000000042", uid: 42, afi: 0x07, antenna: 1)
            try h.see("39010000000042", uid: 42, afi: 0x07, antenna: 2)
            h.clock.advance(byMillis: 50)
        }
        #expect(h.alarms == 1)
        let events = h.events()
        #expect(events.count == 1)
        #expect(events.first?.kind == .alarm)
        #expect(events.first?.item.string == "39010000000042")
        #expect(events.first?.reason == .secured)
        // Gone for longer than the passage gap, then walks back in: a new passage, a new alarm.
        h.clock.advance(byMillis: 2500)
        try h.see("39010000000042", uid: 42, afi: 0x07, antenna: 1)
        #expect(h.alarms == 2)
        #expect(h.items == 2)
    }

    @Test func checkedOutItemNeverAlarms() throws {
        let h = Harness(dedupeMillis: 0)
        for i in 0..<50 {
            try h.see("39010000000043", uid: 43, afi: 0xC2, antenna: UInt8(1 + i % 2))
            h.clock.advance(byMillis: 20)
        }
        #expect(h.decisions == 50)
        #expect(h.alarms == 0)
        #expect(h.events().isEmpty)
    }

    @Test func twoItemsOneSecuredOneLoaned() throws {
        let h = Harness()
        try h.see("111111111111", uid: 1, afi: 0xC2)
        try h.see("222222222222", uid: 2, afi: 0x07)
        #expect(h.items == 2)
        #expect(h.alarms == 1)
        #expect(h.events().map(\.item.string) == ["222222222222"])
    }

    @Test func undecodableTagIsReportedOnceAndAFIStillDecides() throws {
        let h = Harness(dedupeMillis: 0)
        var r = TagRead(arrivalNanos: h.clock.nanoseconds(), reader: 0, antenna: 1, kind: .iso15693, afi: 0x07, dsfid: 0x06)
        _ = withUnsafeBytes(of: UInt64(0xE004_0100_DEAD_BEEF).bigEndian) { r.setID($0) }
        let garbage: [UInt8] = [0x91, 0x00, 0x40, 0xFF, 0xFF]  // a PII data set whose length runs past the end
        _ = garbage.withUnsafeBytes { r.setMemory($0) }
        r.flags = [.systemInfoValid, .memoryValid]
        h.ring.push(r); h.ring.push(r)
        h.pipeline.processAvailable()
        let events = h.events()
        #expect(h.pipeline.stats.undecodable.load(ordering: .relaxed) == 1)
        #expect(events.map(\.kind) == [.undecodable, .alarm])  // secured AFI: alarms without an id
        #expect(events.first?.decodeError != nil)
        #expect(h.alarms == 1)
    }

    @Test func latencyIsMeasuredFromArrival() throws {
        let h = Harness()
        ring: do {
            h.ring.push(try read("123456789012", uid: 9, afi: 0xC2, at: h.clock.nanoseconds()))
            h.clock.advance(byNanos: 250_000)  // the read waited 250 µs in the ring
            h.pipeline.processAvailable()
        }
        #expect(h.pipeline.latency.total == 1)
        #expect(h.pipeline.latency.maxNanos == 250_000)
        #expect(h.pipeline.latency.percentile(0.99) == 250_000)
    }
}

/// A read of an HF tag holding `memory` (part 2 with DSFID 6, part 3 with DSFID 0).
func read(memory: [UInt8], dsfid: UInt8, uid: UInt64, afi: UInt8, at nanos: UInt64) -> TagRead {
    var r = TagRead(arrivalNanos: nanos, reader: 0, antenna: 1, kind: .iso15693, afi: afi, dsfid: dsfid)
    _ = withUnsafeBytes(of: uid.bigEndian) { r.setID($0) }
    _ = memory.withUnsafeBytes { r.setMemory($0) }
    r.flags = [.systemInfoValid, .memoryValid]
    return r
}

@Suite("Gate pipeline: items not for circulation")
struct NotForCirculationPipelineTests {
    /// Unsecured (AFI C2) reference copies in both HF encodings and a circulating book, each
    /// read on several antennas for a second: with `not_for_circulation_alarm` the two
    /// reference copies alarm once each, with the reason the alarm line and journal show.
    @Test(arguments: [false, true])
    func unsecuredReferenceCopiesAlarmWhenTheSiteAsks(_ on: Bool) throws {
        var policy = GatePolicy()
        policy.notForCirculationAlarms = on
        let h = Harness(dedupeMillis: 200, gapMillis: 2000, policy: policy)
        let part2Reference = try Part2.encode(
            ItemRecord(primaryItemIdentifier: "REF-0001", ownerInstitution: "DK-718500", typeOfUsage: 0x21), blockSize: 4)
        let part3Reference = try Part3.encode(ItemRecord(primaryItemIdentifier: "REF-0002", typeOfUsage: 0x20))
        let book = try Part2.encode(ItemRecord(primaryItemIdentifier: "BOOK-0003", typeOfUsage: 0x10), blockSize: 4)
        for _ in 0..<20 {
            let now = h.clock.nanoseconds()
            h.ring.push(read(memory: part2Reference, dsfid: 0x06, uid: 1, afi: 0xC2, at: now))
            h.ring.push(read(memory: part3Reference, dsfid: 0x00, uid: 2, afi: 0xC2, at: now))
            h.ring.push(read(memory: book, dsfid: 0x06, uid: 3, afi: 0xC2, at: now))
            h.pipeline.processAvailable()
            h.clock.advance(byMillis: 50)
        }
        #expect(h.items == 3)
        let events = h.events()
        if on {
            #expect(events.map(\.kind) == [.alarm, .alarm])
            #expect(events.map(\.item.string) == ["REF-0001", "REF-0002"])
            #expect(events.allSatisfy { $0.reason == .notForCirculation })
            #expect(events.first.map { "\($0.reason)" } == "not for circulation (type of usage 2x)")
            #expect(events.first?.owner.string == "DK-718500")
        } else {
            #expect(events.isEmpty)
        }
    }
}

@Suite struct PolicyAndTableTests {
    @Test func policyDefaults() {
        let p = GatePolicy()
        #expect(p.decide(afi: 0x07, afiKnown: true, decoded: true) == .alarm(.secured))
        #expect(p.decide(afi: 0xC2, afiKnown: true, decoded: true) == .pass(.checkedOut))
        #expect(p.decide(afi: 0x00, afiKnown: true, decoded: true) == .alarm(.unknownSecurity))
        #expect(p.decide(afi: 0x00, afiKnown: false, decoded: false) == .pass(.undecodable))
        var strict = GatePolicy()
        strict.alarmOnUndecodable = true
        #expect(strict.decide(afi: 0x00, afiKnown: false, decoded: false) == .alarm(.undecodable))
        let threeM = GatePolicy(afiProfile: .threeM)
        #expect(threeM.decide(afi: 0xD7, afiKnown: true, decoded: true) == .alarm(.secured))
        #expect(threeM.decide(afi: 0xDA, afiKnown: true, decoded: true) == .pass(.checkedOut))
    }

    @Test func histogramPercentilesNeverUnderReport() {
        var h = LatencyHistogram()
        for v in 1...1000 { h.record(nanos: UInt64(v) * 1000) }
        let p50 = h.percentile(0.5), p99 = h.percentile(0.99)
        #expect(p50 >= 500_000 && p50 <= 520_000)
        #expect(p99 >= 990_000 && p99 <= 1_000_000)
        #expect(h.maxNanos == 1_000_000)
    }
}
