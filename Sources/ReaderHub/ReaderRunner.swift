import Readers
import Synchronization
import TagRing
import Threads

/// Runs one reader's inventory loop on its own OS thread, pushing every read into that
/// reader's ring. A failing reader retries with backoff and never affects the others.
///
/// A failure is reported once when it starts (and again only if it turns into a different kind
/// of failure), and its end once through `onRecovered`: an unplugged reader is one line in the
/// journal, not one per retry. While a USB reader is away, a hotplug arrival (the driver's
/// `reattach` signal) ends the backoff at once, so a replugged reader reads again within a
/// fraction of a second.
///
/// Readers whose drivers take commands (`DigitalIOCapable`, `TagWriting`) also serve their
/// `commands` mailbox after every cycle (alarm outputs switched and tags written from other
/// threads), and with a `beam` poll its inputs every `pollNanos` and count the passages. All
/// ride the same thread and wire as the inventory.
public final class ReaderRunner: @unchecked Sendable {
    public enum State: Int, Sendable { case starting = 0, reading = 1, failing = 2, stopped = 3 }

    public let name: String
    public let ring: TagRing
    public let reader: any InventoryDriver
    /// Reads per antenna (the status report shows them).
    public let antennas = AntennaCounters()
    /// Commands for this reader's thread (closed while failing or when the driver takes none).
    public let commands: ReaderCommands
    private let io: (any DigitalIOCapable)?
    /// Whether the driver takes mailbox commands at all (outputs or tag writes).
    private let takesCommands: Bool
    private let beamCounter: VisitorBeam?
    /// Reader thread only.
    private var beamDetector: BeamPassageDetector?
    /// Rung after every push so the decode thread wakes for it.
    private let doorbell: Doorbell
    private let stopFlag = Atomic<Bool>(false)
    private let stateValue = Atomic<Int>(State.starting.rawValue)
    private let cyclesValue = Atomic<Int>(0)
    private let onError: @Sendable (String, ReaderError) -> Void
    private let onRecovered: (@Sendable (String, UInt64) -> Void)?
    private var thread: OSThread?
    /// Minimum time between inventory cycles (0 = back to back, as gates run).
    public let cyclePeriodNanos: UInt64
    /// Longest wait between attempts to reach a failing reader.
    public let maxBackoffNanos: UInt64

    public init(
        name: String, reader: any InventoryDriver, ring: TagRing, doorbell: Doorbell, cyclePeriodNanos: UInt64 = 0,
        maxBackoffNanos: UInt64 = 5_000_000_000, beam: (settings: BeamSettings, counter: VisitorBeam)? = nil,
        onError: @escaping @Sendable (String, ReaderError) -> Void,
        onRecovered: (@Sendable (String, UInt64) -> Void)? = nil
    ) {
        self.name = name
        self.doorbell = doorbell
        self.reader = reader
        self.ring = ring
        self.cyclePeriodNanos = cyclePeriodNanos
        self.maxBackoffNanos = maxBackoffNanos
        self.onError = onError
        self.onRecovered = onRecovered
        io = reader as? any DigitalIOCapable
        takesCommands = io != nil || reader is any TagWriting
        commands = ReaderCommands(readerName: name)
        if !takesCommands { commands.close(reason: "its driver has no digital outputs and cannot write tags") }
        precondition(beam == nil || io != nil, "reader \(name): a beam needs a driver with digital inputs")
        beamCounter = beam?.counter
        beamDetector = beam.map { BeamPassageDetector(settings: $0.settings) }
    }

    public var state: State { State(rawValue: stateValue.load(ordering: .relaxed)) ?? .stopped }
    /// Completed inventory cycles (tests and the status CLI watch it move).
    public var cycles: Int { cyclesValue.load(ordering: .relaxed) }

    public func start(clock: any MonotonicClock) {
        precondition(thread == nil, "reader \(name) started twice")
        thread = OSThread(name: "rd-\(name)") { [self] in loop(clock: clock) }
    }

    /// Asks the loop to stop after the current exchange, waits for it and releases the device.
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
        commands.close(reason: "the reader is stopped")  // also when it never started
        reader.shutdown()
    }

    private func loop(clock: any MonotonicClock) {
        var backoffNanos: UInt64 = 0
        var failingSince: UInt64? = nil
        var failureKind: ReaderError.Kind? = nil
        var nextPollNanos: UInt64 = 0
        var beamFailureLogged = false
        let ring = self.ring, doorbell = self.doorbell, antennas = self.antennas
        while !stopFlag.load(ordering: .acquiring) {
            let started = clock.nanoseconds()
            let reattachSeen = reader.reattach?.current ?? 0
            do {
                try reader.inventoryCycle { read in
                    antennas.count(antenna: read.antenna)
                    ring.push(read)
                    doorbell.ring()
                }
                if let io, beamDetector != nil, started >= nextPollNanos {
                    nextPollNanos = started &+ (beamDetector?.settings.pollNanos ?? 0)
                    try pollBeam(io, failureLogged: &beamFailureLogged)
                }
                if takesCommands { commands.drain(reader) }
                cyclesValue.add(1, ordering: .relaxed)
                if backoffNanos != 0 { backoffNanos = 0 }
                if let since = failingSince {
                    failingSince = nil
                    failureKind = nil
                    if takesCommands { commands.open() }
                    onRecovered?(name, clock.nanoseconds() &- since)
                }
                stateValue.store(State.reading.rawValue, ordering: .relaxed)
            } catch {
                stateValue.store(State.failing.rawValue, ordering: .relaxed)
                // Nobody may wait for a thread that is about to sleep in its backoff.
                if takesCommands { commands.close(reason: "\(error)") }
                if let settings = beamDetector?.settings { beamDetector = BeamPassageDetector(settings: settings) }
                if failingSince == nil { failingSince = started }
                if error.kind != failureKind {
                    failureKind = error.kind
                    onError(name, error)
                }
                // 100 ms doubling to maxBackoff: a reader that is gone must not spin a core.
                backoffNanos = backoffNanos == 0 ? 100_000_000 : min(backoffNanos * 2, maxBackoffNanos)
                sleepInterruptibly(backoffNanos, reattachSeen: error.isDisconnect ? reattachSeen : nil)
                continue
            }
            let elapsed = clock.nanoseconds() &- started
            if cyclePeriodNanos > elapsed { sleepInterruptibly(cyclePeriodNanos - elapsed, reattachSeen: nil) }
        }
        commands.close(reason: "the reader is stopped")
        stateValue.store(State.stopped.rawValue, ordering: .relaxed)
    }

    /// Reads the beam inputs once and counts a completed passage. A reader that answers but
    /// refuses the command (no inputs on this model) is logged once and keeps reading tags;
    /// a wire failure fails the cycle like any other.
    private func pollBeam(_ io: any DigitalIOCapable, failureLogged: inout Bool) throws(ReaderError) {
        let mask: UInt8
        do { mask = try io.inputs() } catch {
            switch error {
            case .protocolError, .refused, .llrpProtocol:
                if !failureLogged {
                    failureLogged = true
                    onError(
                        name,
                        .refused(
                            command: "Get Input (beam_inputs)", reason: "\(error); visitors are not counted from this reader meanwhile"))
                }
                return
            default: throw error
            }
        }
        if let direction = beamDetector?.update(inputs: mask) { beamCounter?.cross(direction) }
    }

    /// Sleeps in slices so that stop() is honoured within 50 ms, and (while a device is away) a
    /// hotplug arrival within 20 ms.
    private func sleepInterruptibly(_ nanos: UInt64, reattachSeen: UInt64?) {
        var left = nanos
        let sliceMax: UInt64 = reattachSeen == nil ? 50_000_000 : 20_000_000
        while left > 0 && !stopFlag.load(ordering: .relaxed) {
            if let seen = reattachSeen, let signal = reader.reattach, signal.current != seen { return }
            let slice = min(left, sliceMax)
            sleepNanos(slice)
            left -= slice
        }
    }
}
