import Readers
import TagRing

/// Every reader of the box, role-agnostic: one `ReaderRunner` (thread, ring, command mailbox,
/// beam inputs) per configured reader, all ringing one doorbell. A role's consumer drains
/// `rings` and sleeps on `doorbell`: the gate's `GatePipeline` today, the station's pad
/// tracker next. Alarm outputs and tag writes reach a reader through `commands(for:)`.
public final class ReaderHub: @unchecked Sendable {
    /// What the hub reports about its readers; the daemon logs it.
    public struct Events: Sendable {
        /// A reader started failing (once per failure kind): reader id, wire label, error.
        public var failed: @Sendable (_ reader: String, _ wire: String, _ error: ReaderError) -> Void
        /// A failing reader reads again after `downNanos`.
        public var recovered: @Sendable (_ reader: String, _ downNanos: UInt64) -> Void

        public init(
            failed: @escaping @Sendable (String, String, ReaderError) -> Void,
            recovered: @escaping @Sendable (String, UInt64) -> Void
        ) {
            self.failed = failed
            self.recovered = recovered
        }

        public static var silent: Events { Events(failed: { _, _, _ in }, recovered: { _, _ in }) }
    }

    public let specs: [ReaderSpec]
    public let runners: [ReaderRunner]
    /// One ring per reader, in configuration order (a read's `reader` field is its index).
    public let rings: [TagRing]
    /// Rung after every push, so the consumer can sleep while the field is quiet.
    public let doorbell: Doorbell
    /// People crossing beams on readers' inputs.
    public let visitors: VisitorBeam
    private let factory: ReaderFactory
    private let clock: any MonotonicClock

    /// Builds every reader's driver (nothing runs yet). `world` is what `feig-sim` readers
    /// look into; nil when no reader is simulated.
    public init(
        readers specs: [ReaderSpec], ringCapacity: Int, clock: any MonotonicClock, world: SimulatedWorld? = nil,
        visitors: VisitorBeam = VisitorBeam(), events: Events = .silent
    ) throws {
        self.specs = specs
        self.clock = clock
        self.visitors = visitors
        let doorbell = Doorbell()
        self.doorbell = doorbell
        factory = ReaderFactory(clock: clock, world: world)
        rings = specs.map { _ in TagRing(capacity: ringCapacity) }
        var runners: [ReaderRunner] = []
        for (position, spec) in specs.enumerated() {
            let reader = try factory.driver(for: spec, index: position)
            let wire = reader.label
            runners.append(
                ReaderRunner(
                    name: spec.id, reader: reader, ring: rings[position], doorbell: doorbell,
                    beam: spec.beam.map { (settings: $0, counter: visitors) },
                    onError: { name, error in events.failed(name, wire, error) },
                    onRecovered: { name, down in events.recovered(name, down) }))
        }
        self.runners = runners
    }

    /// The relay board of `[alarm_output]`, on the readers' libusb context.
    public func relay(_ spec: RelaySpec, onError: @escaping @Sendable (String) -> Void) throws -> RelayAlarmOutput {
        try factory.relay(spec, onError: onError)
    }

    /// The libusb context of USB readers and the relay, when any is configured.
    public var usb: USBContext? { factory.usb }

    /// Starts every reader thread. Start the consumer first, so nothing waits in a ring.
    public func start() {
        for runner in runners { runner.start(clock: clock) }
    }

    /// Stops the reader threads (in reverse order) and releases their devices. The consumer
    /// may drain the rings afterwards; nothing is pushed any more.
    public func stopReaders() {
        for runner in runners.reversed() { runner.stop() }
        doorbell.ring()  // a sleeping consumer sees the end at once
    }

    /// Closes the libusb context. Call after `stopReaders` and after the relay is stopped.
    public func shutdown() {
        factory.usb?.shutdown()
    }

    /// The command mailbox of reader `id` (alarm outputs, tag writes); nil if there is none.
    public func commands(for id: String) -> ReaderCommands? {
        runners.first { $0.name == id }?.commands
    }

    /// The reader's id for a read's `reader` index.
    public func readerName(_ index: UInt16) -> String {
        Int(index) < specs.count ? specs[Int(index)].id : "reader-\(index)"
    }

    /// Reads lost because a ring was full (the consumer fell behind), over all readers.
    public var drops: Int { runners.reduce(0) { $0 + Int($1.ring.dropped) } }
    /// The fullest ring now (0...1) and the highest fill any ring has seen.
    public var ringFill: Double { runners.map(\.ring.fill).max() ?? 0 }
    public var ringHighWater: Int { runners.map(\.ring.highWater).max() ?? 0 }
    /// Timeouts, protocol errors and disconnects over all readers.
    public var readerErrors: Int {
        runners.reduce(0) {
            $0 + $1.reader.stats.timeouts.load(ordering: .relaxed) + $1.reader.stats.protocolErrors.load(ordering: .relaxed)
                + $1.reader.stats.disconnects.load(ordering: .relaxed)
        }
    }
}
