@_spi(Testing) import Circulation
import Foundation
import GRDB
import ISO28560
import Logging
import RFIDGateConfig
import Synchronization
import Testing

@testable import Daemon
@testable import Gate

/// A full state partition, made real with SQLite's own limit (`PRAGMA max_page_count` on the
/// store's writer connection): SQLite answers SQLITE_FULL exactly as it does when the disk is.
@Suite("Disk full", .serialized)
struct DiskFullTests {
    /// Caps the store at its current size plus `extraPages`, or lifts the cap (nil).
    static func cap(_ store: CirculationStore, extraPages: Int?) throws {
        try store.capSize(extraPages: extraPages)
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func alarmsAreHeldInMemoryAndWrittenWhenSpaceReturns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-full-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = GateConfig()
        config.cache.path = dir.appendingPathComponent("gate.sqlite").path
        config.simulation.population = 100
        let runtime = try GateRuntime(config: config, logger: Logger(label: "test"))
        let store = try #require(runtime.cache?.store)
        let lines = Lines()
        let recorder = EventRecorder(runtime: runtime, output: StatusOutput(write: { lines.add($0) }), logger: Logger(label: "test"))
        defer { recorder.alarms.stop() }

        // Fill the partition with alarms until SQLite says it is full.
        try Self.cap(store, extraPages: 4)
        var full: CirculationError?
        var filler = 0
        for batch in [20, 1] {  // big steps, then single rows until not even one fits
            full = nil
            while full == nil && filler < 100_000 {
                do {
                    _ = try store.record(
                        alarms: (0..<batch).map { _ in
                            AlarmRecord(at: 0, item: "filler", tagUID: "0", reader: "r", antenna: 1, afi: 0, reason: "filler")
                        })
                    filler += batch
                } catch { full = error }
            }
        }
        #expect(full?.description.contains("disk is full") == true, "\(String(describing: full))")

        // An alarm now: printed at once, marked, and held.
        let event = GateEvent(
            kind: .alarm, reason: .secured, item: ItemID("3900001"), tagID: 0xE004_0000_0000_0001,
            reader: 0, antenna: 1, afi: 0x07, atNanos: runtime.clock.nanoseconds())
        #expect(runtime.pipeline.events.push(event))
        recorder.drain()
        #expect(lines.all.contains { $0.hasPrefix("ALARM  item 3900001") && $0.contains("[not yet in the event log]") })
        #expect(recorder.pendingCount == 1)
        recorder.drain()  // still full: still held, not lost, not duplicated
        #expect(recorder.pendingCount == 1)

        // Space again: the held alarm is written once.
        try Self.cap(store, extraPages: nil)
        recorder.drain()
        #expect(recorder.pendingCount == 0)
        let logged = try DatabaseQueue(path: store.path).read {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM alarms WHERE item = '3900001'")
        }
        #expect(logged == 1)
    }
}
