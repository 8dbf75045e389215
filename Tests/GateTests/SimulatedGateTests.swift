import CirculationModel
import Gate
import ReaderEmulators
import ReaderHub
import Readers
import TagRing
import Testing

/// The whole simulated gate, driven by a manual clock: the same driver code a real FEIG gate
/// runs, the emulator answering with real frames, patrons walking through.
@Suite("Simulated gate end to end (deterministic)")
struct SimulatedGateTests {
    @Test func everyForgetfulPatronAlarmsOnceAndNobodyElseDoes() throws {
        let clock = ManualClock()
        var settings = SimulationSettings()
        settings.population = 500
        settings.patronsPerMinute = 60
        settings.forgetfulFraction = 0.25
        let beam = VisitorBeam()
        let gate = try SimulatedGate(settings: settings, antennas: [1, 2], startNanos: clock.nanoseconds(), beam: beam)
        let index = GateIndex()
        gate.collection.fill(index)
        let transport = EmulatorTransport(label: "sim", emulator: FeigEmulator(field: gate), clock: clock, realTime: false)
        let reader = FeigReader(transport: transport, clock: clock, options: .init(readerID: 0, antennas: [1, 2]))
        let ring = TagRing(capacity: 4096)
        let pipeline = GatePipeline(rings: [ring], settings: PipelineSettings(), policy: GatePolicy(), clock: clock, index: index)

        // Two simulated minutes of 50 ms inventory cycles, then a quiet period so everyone leaves.
        for _ in 0..<(120 * 20) {
            try reader.inventoryCycle { ring.push($0) }
            pipeline.processAvailable()
            clock.advance(byMillis: 50)
        }
        for _ in 0..<60 {
            try reader.inventoryCycle { ring.push($0) }
            pipeline.processAvailable()
            clock.advance(byMillis: 50)
        }
        let alarms = pipeline.stats.alarms.load(ordering: .relaxed)
        #expect(gate.patronsPassed > 80)
        #expect(gate.forgetfulPassed > 15)
        #expect(ring.dropped == 0)
        #expect(pipeline.stats.undecodable.load(ordering: .relaxed) == 0)
        // Everyone who forgot alarmed (once); people still in the gate may have alarmed too.
        #expect(alarms >= gate.forgetfulPassed)
        #expect(alarms <= gate.forgetfulAdmitted)
        // Each alarm is an event naming an item that is not on loan or is on the hot list.
        let inLibrary = Set((gate.collection.inLibrary + gate.collection.hot).map { gate.collection.items[$0].pii })
        var hotAlarms = 0
        var alarmEvents = 0
        while let e = pipeline.events.pop() {
            guard e.kind == .alarm else { continue }
            alarmEvents += 1
            #expect(inLibrary.contains(e.item.string), "alarm for \(e.item), which is on loan")
            if e.reason == .hotList { hotAlarms += 1 }
        }
        #expect(alarmEvents == alarms)
        #expect(hotAlarms >= 3)  // every fourth forgetful patron carried a hot-list item
        // The beam counted everyone who left, and people coming in.
        let crossings = beam.take()
        #expect(crossings.leaving >= gate.patronsPassed)
        #expect(crossings.entering > 80)
    }
}
