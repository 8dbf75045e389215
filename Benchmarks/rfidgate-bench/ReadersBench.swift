import ArgumentParser
import Gate
import ISO28560
import ReaderEmulators
import Readers
import TagRing

/// `readers`: a stack of 10 HF tags on a pad, inventoried and fully read (system information
/// and user memory of each, decoded to item ids) by the real FEIG driver against the FEIG
/// emulator pacing itself with the HF air-time model in real time. The figure is wall time
/// divided by the emulator's modelled air time: what the driver, transport and decoding add
/// on top of the physics (acceptance: at most 1.2).
struct ReadersBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readers", abstract: "FEIG driver: 10-tag stack read time against the modelled air time.")

    @Option(help: "Stacks read (each with a fresh driver, nothing cached).") var runs = 10
    @Option(help: "Tags in the stack.") var tags = 10
    @Flag(help: "Print one JSON object on the last line.") var json = false

    func run() throws {
        var settings = SimulationSettings()
        settings.population = 1000
        let collection = try SimulatedCollection(settings: settings)
        let field = StaticTagField()
        var expected: Set<String> = []
        for i in 0..<tags {
            field.place(collection.items[i].tag)
            expected.insert(collection.items[i].pii)
        }
        let clock = SystemMonotonicClock()

        // In-memory wire (the simulated gate's transport).
        var ratios: [Double] = []
        var airMillis: [Double] = []
        for _ in 0..<runs {
            let transport = EmulatorTransport(label: "bench", emulator: FeigEmulator(field: field), clock: clock, realTime: true)
            let reader = FeigReader(transport: transport, clock: clock, options: .init(readerID: 0))
            let (wall, items) = try readStack(reader, clock)
            guard items == expected else { throw ValidationError("decoded \(items.count) of \(expected.count) item ids") }
            ratios.append(Double(wall) / Double(transport.airNanosTotal))
            airMillis.append(Double(transport.airNanosTotal) / 1e6)
        }

        // The same through the USB transport (async bulk transfers, event thread) on emulated USB.
        var usbRatios: [Double] = []
        let usb = EmulatedUSB(clock: clock, realTime: true)
        usb.addFeig(FeigEmulator(field: field), port: 2, serial: "bench")
        let context = USBContext(api: usb)
        for _ in 0..<runs {
            let transport = try USBDeviceLocator.openBulk(context, .feig())
            let reader = FeigReader(transport: transport, clock: clock, options: .init(readerID: 0))
            let airBefore = usb.airNanosTotal
            let (wall, items) = try readStack(reader, clock)
            transport.close()
            guard items == expected else { throw ValidationError("USB: decoded \(items.count) of \(expected.count) item ids") }
            usbRatios.append(Double(wall) / Double(usb.airNanosTotal - airBefore))
        }
        context.shutdown()

        report(
            "readers: \(tags)-tag HF stack, inventory + system information + 64 bytes of user memory each, \(runs) runs (median)",
            [
                ("feig_stack10_vs_airtime", median(ratios)),
                ("feig_stack10_worst_vs_airtime", ratios.max() ?? 0),
                ("feig_stack10_airtime_ms", median(airMillis)),
                ("feig_stack10_wall_ms", median(airMillis) * median(ratios)),
                ("feig_usb_stack10_vs_airtime", median(usbRatios)),
            ], json: json)
    }

    /// One inventory cycle with a cold cache; returns wall time and the decoded item ids.
    func readStack(_ reader: FeigReader, _ clock: SystemMonotonicClock) throws -> (UInt64, Set<String>) {
        var items: Set<String> = []
        let t0 = clock.nanoseconds()
        try reader.inventoryCycle { read in
            let decoded = read.withMemory { GateFastPath.decode(hfMemory: $0, dsfid: read.dsfid, isPrefix: true) }
            if case .item(let item) = decoded { items.insert(item.pii.string) }
        }
        return (clock.nanoseconds() - t0, items)
    }

    func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.isEmpty ? 0 : s[s.count / 2]
    }
}
