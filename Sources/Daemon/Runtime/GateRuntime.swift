import Circulation
import ControlProtocol
import Gate
import Logging
import RFIDGateConfig
import ReaderHub
import Readers
import Synchronization
import TagRing
import Threads

/// The running gate: the reader hub (threads, rings) → the decode thread (`GatePipeline`) →
/// events, plus the alarm outputs. Built from a `GateConfig`; owns every thread it starts and
/// stops them in reverse order.
public final class GateRuntime: @unchecked Sendable {
    public let config: GateConfig
    public let clock: any MonotonicClock
    public let pipeline: GatePipeline
    /// The readers: threads, rings, command mailboxes, beam inputs.
    public let hub: ReaderHub
    public var runners: [ReaderRunner] { hub.runners }
    /// The simulated world, when any reader is simulated.
    public let simulation: SimulatedGate?
    /// The gate's view of the circulation cache (filled from `cache` at start, updated live).
    public let index = GateIndex()
    /// The circulation store, re-opened by the status loop while it fails (`StoreSlot`).
    let store: StoreSlot
    /// The circulation store; nil while it cannot be opened (the gate then judges by tags).
    public var cache: CirculationCache? { store.cache }
    /// The control socket's events stream: alarms, reader states, visitor counts, sync results.
    public let events: EventHub
    /// Visitors flushed to the event log since start (the status report's `visitors`).
    public let visitorsCounted = VisitorTotals()
    /// People crossing the gate's beam (visitor counts).
    public let beam = VisitorBeam()
    /// Alarm outputs: the simulated gate's light, readers' own outputs (`alarm_outputs`) and
    /// the USB relay (`[alarm_output]`).
    public var alarmOutputs: [any AlarmOutput] = []
    private let stopDecode = Atomic<Bool>(false)
    private let decodeHeartbeat = Atomic<UInt64>(0)
    private var decodeThread: OSThread?
    private let logger: Logger
    public let startedNanos: UInt64
    /// The light/buzzer output switched on alarms, when configured.
    public let alarmOutput: RelayAlarmOutput?
    /// The libusb context of USB readers and the relay, when any is configured.
    public var usb: USBContext? { hub.usb }

    public init(config: GateConfig, clock: any MonotonicClock = SystemMonotonicClock(), logger: Logger) throws {
        try config.validate()
        self.config = config
        self.clock = clock
        self.logger = logger
        startedNanos = clock.nanoseconds()
        let events = EventHub(role: config.role.rawValue)
        self.events = events
        let allAntennas = Array(Set(config.readers.flatMap(\.antennas))).sorted()
        // With a beam on a simulated reader, patrons break the emulated reader's inputs and the
        // runner counts them; otherwise the simulation counts them itself.
        let simulatedBeamInputs = config.readers.contains { $0.driver == .feigSim && $0.beam != nil }
        simulation =
            config.readers.contains { $0.driver == .feigSim }
            ? try SimulatedGate(
                settings: config.simulation, antennas: allAntennas, startNanos: startedNanos, beam: simulatedBeamInputs ? nil : beam)
            : nil
        let index = self.index, simulation = self.simulation
        store = StoreSlot(nowNanos: startedNanos, logger: logger) {
            try openCirculation(config: config, simulation: simulation, index: index, logger: logger)
        }
        // Without the store the simulated collection goes straight into the index (a real
        // gate's index stays empty and it judges by the tags' AFI until the store opens).
        if store.cache == nil { simulation?.collection.fill(index) }
        if simulation != nil { alarmOutputs.append(SimulatedAlarmLight()) }

        let log = logger
        hub = try ReaderHub(
            readers: config.readers, ringCapacity: config.ringCapacity, clock: clock, world: simulation?.world, visitors: beam,
            events: .init(
                failed: { name, wire, error in
                    // Once per failure (ReaderRunner repeats nothing); an unplug says what happens next.
                    let next = error.isDisconnect ? "; other readers keep reading, this one resumes when it is back" : ""
                    log.warning("reader \(name): \(error)\(next)", metadata: ["reader.id": "\(name)", "reader.wire": "\(wire)"])
                    events.publish(.readerFailing(at: unixMillisNow(), reader: name, error: "\(error)"))
                },
                recovered: { name, downNanos in
                    log.notice("reader \(name): reading again after \(downNanos / 1_000_000) ms", metadata: ["reader.id": "\(name)"])
                    events.publish(.readerRecovered(at: unixMillisNow(), reader: name, downMillis: Int(downNanos / 1_000_000)))
                }))
        pipeline = GatePipeline(
            rings: hub.rings, doorbell: hub.doorbell, settings: config.pipeline, policy: config.policy, clock: clock, index: index)
        for r in config.readers where !r.alarmOutputs.isEmpty {
            guard let commands = hub.commands(for: r.id) else { continue }
            alarmOutputs.append(
                ReaderOutputAlarm(
                    readerName: r.id, outputs: r.alarmOutputs, commands: commands, pulseMillis: config.alarmHoldMillis))
        }
        let hub = self.hub
        alarmOutput = try config.alarmOutput.map { spec in try hub.relay(spec) { message in log.warning("\(message)") } }
        if let relay = alarmOutput { alarmOutputs.append(RelayAlarmAdapter(relay)) }
    }

    /// Starts the decode thread first (so nothing waits in a ring), then the readers.
    public func start() {
        let pipeline = self.pipeline
        decodeThread = OSThread(name: "decode") { [self] in
            pipeline.run(until: stopDecode, heartbeat: decodeHeartbeat)
        }
        hub.start()
    }

    /// Stops the readers, lets the decode thread drain the rings, then stops it.
    public func stop() {
        hub.stopReaders()
        stopDecode.store(true, ordering: .releasing)
        pipeline.doorbell.ring()  // don't wait out the idle timeout
        decodeThread?.join()
        decodeThread = nil
        alarmOutput?.stop()
        hub.shutdown()
    }

    /// Counts the decode loop's turns: the systemd watchdog is fed only while it moves.
    public var heartbeat: UInt64 { decodeHeartbeat.load(ordering: .relaxed) }

    public func readerName(_ index: UInt16) -> String { hub.readerName(index) }

    public func snapshot() -> Snapshot {
        let s = pipeline.stats
        return Snapshot(
            nanos: clock.nanoseconds() &- startedNanos,
            reads: s.reads.load(ordering: .relaxed),
            duplicates: s.duplicates.load(ordering: .relaxed),
            items: s.items.load(ordering: .relaxed),
            decisions: s.decisions.load(ordering: .relaxed),
            alarms: s.alarms.load(ordering: .relaxed),
            undecodable: s.undecodable.load(ordering: .relaxed),
            drops: hub.drops,
            ringFill: hub.ringFill,
            ringHighWater: hub.ringHighWater,
            readerErrors: hub.readerErrors,
            patronsPassed: simulation?.patronsPassed ?? 0,
            forgetfulPassed: simulation?.forgetfulPassed ?? 0,
            forgetfulAdmitted: simulation?.forgetfulAdmitted ?? 0)
    }

    public struct Snapshot: Sendable {
        public var nanos: UInt64
        public var reads, duplicates, items, decisions, alarms, undecodable, drops: Int
        public var ringFill: Double
        public var ringHighWater: Int
        public var readerErrors: Int
        public var patronsPassed, forgetfulPassed, forgetfulAdmitted: Int
    }
}

/// Visitors in and out since the daemon started, as the event recorder flushed them.
public final class VisitorTotals: Sendable {
    public let entering = Atomic<Int>(0)
    public let leaving = Atomic<Int>(0)
}
