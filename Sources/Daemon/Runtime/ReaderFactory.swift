import RFIDGateConfig
import Gate
import Logging
import Readers
import TagRing

/// Builds each configured reader's driver on its transport, and the alarm output. USB readers
/// and the relay share one libusb context (one event thread), opened only when needed.
final class ReaderFactory {
    let clock: any MonotonicClock
    let simulation: SimulatedGate?
    private(set) var usb: USBContext?

    init(clock: any MonotonicClock, simulation: SimulatedGate?) {
        self.clock = clock
        self.simulation = simulation
    }

    func usbContext() throws -> USBContext {
        if let usb { return usb }
        let c = try USBContext.system()
        usb = c
        return c
    }

    func driver(for r: GateConfig.Reader, index: Int) throws -> any InventoryDriver {
        let timeout = UInt64(r.responseTimeoutMillis) * 1_000_000
        let feig = FeigReader.Options(readerID: UInt16(index), antennas: r.antennas, memoryBytes: r.memoryBytes, responseTimeoutNanos: timeout)
        switch r.driver {
        case .feigSim:
            let emulator = FeigEmulator(field: simulation!)
            if let beam = r.beam, let simulation {
                let a = beam.inputs[0], b = beam.inputs.count > 1 ? beam.inputs[1] : nil, inverted = beam.inverted
                emulator.inputSource = { now in
                    let mask = simulation.beamInputs(a: a, b: b, atNanos: now)
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
                options: .init(readerID: UInt16(index), antennas: r.antennas.map { UInt16($0) }, responseTimeoutNanos: max(timeout, 1_000_000_000)))
        }
    }

    func alarmOutput(_ a: GateConfig.AlarmOutput, logger: Logger) throws -> RelayAlarmOutput {
        switch a.kind {
        case .usbRelay:
            let relay = USBRelay(context: try usbContext(), selector: .dcttechRelay(serial: a.usbSerial, portPath: a.usbPort))
            let log = logger
            return RelayAlarmOutput(relay: relay, relays: a.relays, pulseNanos: UInt64(a.pulseMillis) * 1_000_000) { error in
                log.warning("alarm output \(relay.selector): \(error)")
            }
        }
    }
}
