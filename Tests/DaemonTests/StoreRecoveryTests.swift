import Circulation
import Foundation
import GRDB
import ISO28560
import Logging
import RFIDGateConfig
import TagRing
import Testing

@testable import Daemon
@testable import Gate

/// A store that cannot be opened when the daemon starts (here: its directory's name is taken by
/// a file, as after a botched restore; on a gate, a failing card does the same) is retried by
/// the status loop; the gate alarms meanwhile, holds the alarms, and writes them once the store
/// opens. Time is the injected clock, so the retry interval is not waited out.
@Suite("Store recovery")
struct StoreRecoveryTests {
    @Test func aStoreThatCannotOpenAtStartOpensLaterAndGetsTheHeldAlarms() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-recover-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let blocker = dir.appendingPathComponent("state")
        try Data("not a directory".utf8).write(to: blocker)
        var config = GateConfig()
        config.cache.path = blocker.appendingPathComponent("gate.sqlite").path
        config.simulation.population = 100
        let clock = ManualClock(startNanos: 1_000_000_000)
        let runtime = try GateRuntime(config: config, clock: clock, logger: Logger(label: "test"))
        #expect(runtime.cache == nil)
        #expect(runtime.store.faults == 1)
        #expect(runtime.index.count > 0, "the simulated collection goes into the index without a store")
        let lines = DiskFullTests.Lines()
        let recorder = EventRecorder(runtime: runtime, output: StatusOutput(write: { lines.add($0) }), logger: Logger(label: "test"))
        defer { recorder.alarms.stop() }

        func alarm(_ item: String) {
            let event = GateEvent(
                kind: .alarm, reason: .secured, item: ItemID(item)!, tagID: 0xE004_0000_0000_0001, reader: 0, antenna: 1, afi: 0x07,
                atNanos: clock.nanoseconds())
            #expect(runtime.pipeline.events.push(event))
        }
        alarm("3900001")
        recorder.drain()
        #expect(lines.all.contains { $0.hasPrefix("ALARM  item 3900001") && $0.contains("[not yet in the event log]") })
        #expect(recorder.pendingCount == 1 && runtime.store.alarmsHeld.load(ordering: .relaxed) == 1)

        // The file is moved away; the next attempt is due 2 s later, not at every tick.
        try FileManager.default.removeItem(at: blocker)
        alarm("3900002")
        recorder.drain()
        #expect(runtime.cache == nil && recorder.pendingCount == 2)

        clock.advance(byMillis: 2_000)
        recorder.drain()
        let store = try #require(runtime.cache?.store, "the store did not open on the retry")
        #expect(recorder.pendingCount == 0 && runtime.store.alarmsHeld.load(ordering: .relaxed) == 0)
        let logged = try DatabaseQueue(path: store.path).read {
            try String.fetchAll($0, sql: "SELECT item FROM alarms ORDER BY id")
        }
        #expect(logged == ["3900001", "3900002"])
        #expect(runtime.index.count > 0)
        #expect(runtime.store.faults == 1, "one failed open, no failed statements")
    }
}
