import ArgumentParser
import Gate
import ReaderEmulators
import Readers
import Synchronization
import TagRing
import Threads

#if canImport(Glibc)
import Glibc
#endif

/// `pipeline`: reads offered at a fixed rate through the FEIG emulator's frames, the real
/// driver, the ring and the decode thread; latency from an answer frame's arrival at the
/// driver to the gate decision.
struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline", abstract: "The whole read pipeline at a fixed offered rate.")

    @Option(help: "Offered reads per second.") var rate = 20_000.0
    @Option(help: "Seconds to run.") var seconds = 10.0
    @Option(help: "Tags in the field at once (spread over the antennas' reads).") var tagsInField = 20
    @Option(help: "Antennas the reader inventories in turn.") var antennas = 2
    @Option(help: "Dedupe window in ms (0: every read is decoded and judged, the worst case).") var dedupeMs = 0
    @Flag(help: "Print one JSON object on the last line.") var json = false

    func run() throws {
        let clock = SystemMonotonicClock()
        var settings = SimulationSettings()
        settings.population = 20_000
        let field = try RollingTagField(
            collection: SimulatedCollection(settings: settings), inField: tagsInField, dwellNanos: 1_000_000_000)
        let transport = EmulatorTransport(label: "bench", emulator: FeigEmulator(field: field), clock: clock, realTime: false)
        let antennaList = (1...max(1, antennas)).map { UInt8($0) }
        let reader = FeigReader(transport: transport, clock: clock, options: .init(readerID: 0, antennas: antennaList))
        let ring = TagRing(capacity: TagRing.defaultCapacity)
        var pipelineSettings = PipelineSettings()
        pipelineSettings.dedupeWindowNanos = UInt64(dedupeMs) * 1_000_000
        let pipeline = GatePipeline(rings: [ring], settings: pipelineSettings, policy: GatePolicy(), clock: clock)

        let stop = Atomic<Bool>(false)
        let heartbeat = Atomic<UInt64>(0)
        let decode = OSThread(name: "decode") { pipeline.run(until: stop, heartbeat: heartbeat) }

        let usageBefore = cpuSeconds()
        let t0 = clock.nanoseconds()
        let end = t0 + UInt64(seconds * 1e9)
        var offered = 0
        var next = t0
        // Pace inventory cycles so reads arrive at `rate` on average, as a reader would
        // deliver them: bursts of one answer frame's data sets, not single reads.
        while true {
            let now = clock.nanoseconds()
            if now >= end { break }
            if next > now { sleepNanos(next - now) }
            let n = try reader.inventoryCycle { read in
                ring.push(read)
                pipeline.doorbell.ring()
            }
            offered += n
            next += UInt64(Double(max(n, 1)) / rate * 1e9)
        }
        let t1 = clock.nanoseconds()
        stop.store(true, ordering: .releasing)
        pipeline.doorbell.ring()
        decode.join()
        let usageAfter = cpuSeconds()
        let elapsed = Double(t1 - t0) / 1e9

        let s = pipeline.stats
        let h = pipeline.latency
        report(
            "pipeline: \(formatFigure(rate)) reads/s offered for \(formatFigure(seconds)) s, \(tagsInField) tags in field, \(antennaList.count) antennas, dedupe \(dedupeMs) ms",
            [
                ("offered_per_s", (Double(offered) / elapsed).rounded()),
                ("decisions_per_s", (Double(s.decisions.load(ordering: .relaxed)) / elapsed).rounded()),
                ("p50_us", Double(h.percentile(0.5)) / 1000),
                ("p99_us", Double(h.percentile(0.99)) / 1000),
                ("max_us", Double(h.maxNanos) / 1000),
                ("drops", Double(ring.dropped)),
                ("alarms", Double(s.alarms.load(ordering: .relaxed))),
                ("rss_mb", residentMegabytes()),
                ("cpu_percent", ((usageAfter - usageBefore) / elapsed * 100).rounded()),
            ], json: json)
    }
}

/// Tags flowing through the field continuously: `inField` tags at any moment, each staying
/// `dwellNanos`, drawn in turn from a real ISO 28560 collection (half on loan, half secured).
final class RollingTagField: TagField, @unchecked Sendable {
    let collection: SimulatedCollection
    let inField: Int
    let dwellNanos: UInt64

    init(collection: SimulatedCollection, inField: Int, dwellNanos: UInt64) {
        self.collection = collection
        self.inField = max(1, inField)
        self.dwellNanos = dwellNanos
    }

    func uids(antenna: UInt8, atNanos nanos: UInt64, into: inout [UInt64]) {
        // A new tag enters every dwell/inField; the newest `inField` are present.
        let step = max(1, dwellNanos / UInt64(inField))
        let newest = Int(nanos / step)
        for k in (newest - inField + 1)...newest {
            into.append(SimulatedCollection.uid(index: ((k % collection.items.count) + collection.items.count) % collection.items.count))
        }
    }

    func tag(uid: UInt64) -> EmulatedTag? {
        let i = Int(uid & 0xFFFF_FFFF)
        return i < collection.items.count ? collection.items[i].tag : nil
    }

    func setAFI(uid: UInt64, afi: UInt8) -> Bool { false }
}

/// User + system CPU time of this process, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Peak resident set size (VmHWM) in MiB, from /proc/self/status.
func residentMegabytes() -> Double {
    guard let f = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(cString: line)
        if s.hasPrefix("VmHWM:") {
            let kb = s.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return (kb / 1024 * 10).rounded() / 10
        }
    }
    return -1
}
