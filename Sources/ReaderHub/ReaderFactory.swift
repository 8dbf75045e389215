import ReaderEmulators
import Readers
import TagRing

/// What simulated readers (`feig-sim`) look into: the tags in range, and the beams people
/// break. The gate's simulation provides one; a station's simulated pad will be another.
public struct SimulatedWorld: Sendable {
    public let field: any TagField
    /// Digital inputs (bit 0 = IN1) of a reader whose beam is on inputs `a` and `b` at a time.
    public let beamInputs: @Sendable (_ a: UInt8, _ b: UInt8?, _ nanos: UInt64) -> UInt8

    public init(field: any TagField, beamInputs: @escaping @Sendable (_ a: UInt8, _ b: UInt8?, _ nanos: UInt64) -> UInt8) {
        self.field = field
        self.beamInputs = beamInputs
    }
}

/// Builds each configured reader's driver on its transport, and the USB relay. USB readers and
/// the relay share one libusb context (one event thread), opened only when needed.
public final class ReaderFactory {
    let clock: any MonotonicClock
    let world: SimulatedWorld?
    public private(set) var usb: USBContext?

    public init(clock: any MonotonicClock, world: SimulatedWorld?) {
        self.clock = clock
        self.world = world
    }

    func usbContext() throws -> USBContext {
        if let usb { return usb }
        let c = try USBContext.system()
        usb = c
        return c
    }

    public func driver(for r: ReaderSpec, index: Int) throws -> any InventoryDriver {
        let timeout = UInt64(r.responseTimeoutMillis) * 1_000_000
        let feig = FeigReader.Options(
            readerID: UInt16(index), antennas: r.antennas, memoryBytes: r.memoryBytes, responseTimeoutNanos: timeout)
        switch r.driver {
        case .feigSim:
            guard let world else { throw ReaderFactoryError("reader \(r.id): driver feig-sim needs a simulated world and none was given") }
            let emulator = FeigEmulator(field: world.field)
            if let beam = r.beam {
                let a = beam.inputs[0], b = beam.inputs.count > 1 ? beam.inputs[1] : nil, inverted = beam.inverted
                let inputs = world.beamInputs
                emulator.inputSource = { now in
                    let mask = inputs(a, b, now)
                    return inverted ? ~mask : mask
                }
            }
            return FeigReader(
                transport: EmulatorTransport(label: "sim \(r.id)", emulator: emulator, clock: clock, realTime: true),
                clock: clock, options: feig)
        case .feigUSB:
            let transport = USBDeviceLocator.reconnecting(try usbContext(), .feig(serial: r.usbSerial, portPath: r.usbPort))
            return FeigReader(transport: transport, clock: clock, options: feig)
        case .feigTCP:
            let transport = TCPTransport.reconnecting(host: r.host ?? "", port: UInt16(r.port ?? r.driver.defaultPort))
            return FeigReader(transport: transport, clock: clock, options: feig)
        case .llrp:
            let transport = TCPTransport.reconnecting(host: r.host ?? "", port: UInt16(r.port ?? r.driver.defaultPort))
            return LLRPReader(
                transport: transport, clock: clock,
                options: .init(
                    readerID: UInt16(index), antennas: r.antennas.map { UInt16($0) }, responseTimeoutNanos: max(timeout, 1_000_000_000)))
        }
    }

    /// The relay board of `[alarm_output]`; `onError` hears about failed switches.
    public func relay(_ a: RelaySpec, onError: @escaping @Sendable (String) -> Void) throws -> RelayAlarmOutput {
        switch a.kind {
        case .usbRelay:
            let relay = USBRelay(context: try usbContext(), selector: .dcttechRelay(serial: a.usbSerial, portPath: a.usbPort))
            return RelayAlarmOutput(relay: relay, relays: a.relays, pulseNanos: UInt64(a.pulseMillis) * 1_000_000) { error in
                onError("alarm output \(relay.selector): \(error)")
            }
        }
    }
}

public struct ReaderFactoryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
