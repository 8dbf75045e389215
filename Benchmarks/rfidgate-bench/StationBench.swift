import ArgumentParser
import Circulation
import Foundation
import ILSSimulator
import ISO28560
import Logging
import ReaderEmulators
import ReaderHub
import SIP2Client
import Station
import StationCore
import TagRing

/// `station`: a 10-item stack checked out and returned at the desk, the simulated ILS
/// answering every request after `--ils-delay-ms` (300 by default, a slow ILS over a WAN):
/// - `station_stack_checkout_ms` / `station_stack_return_ms` with the default pool of SIP2
///   connections (3), tag writes and read-back verifies included;
/// - the same checkout over one connection (`..._serial_ms`), measured in the same run: what a
///   station asking item by item would cost.
struct StationBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "station", abstract: "Self-checkout stack checkout and return.")

    @Option(help: "Items in the stack.") var items = 10
    @Option(help: "Simulated ILS delay per request, ms.") var ilsDelayMs = 300
    @Option(help: "SIP2 connections in the pool.") var connections = 3
    @Option(help: "Rounds (the median is reported).") var rounds = 3
    @Flag(help: "Print one JSON object on the last line.") var json = false

    func run() throws {
        let (items, delay, connections, rounds) = (items, ilsDelayMs, connections, rounds)
        let figures = try runBlockingBench { () async throws -> [(String, Double)] in
            let pooled = try await Self.measure(items: items, delayMs: delay, connections: connections, rounds: rounds)
            let serial = try await Self.measure(items: items, delayMs: delay, connections: 1, rounds: 1)
            return [
                ("station_stack_checkout_ms", pooled.checkout),
                ("station_stack_return_ms", pooled.checkin),
                ("station_stack_checkout_serial_ms", serial.checkout),
                ("station_stack_return_serial_ms", serial.checkin),
                ("station_checkout_speedup", serial.checkout / pooled.checkout),
            ]
        }
        report(
            "station: \(items)-item stack, simulated ILS answering after \(delay) ms, \(connections) SIP2 connections vs 1",
            figures, json: json)
    }

    static func measure(items n: Int, delayMs: Int, connections: Int, rounds: Int) async throws -> (checkout: Double, checkin: Double) {
        let ils = try await SimulatedILS.start(configuration: .init(responseDelay: .milliseconds(delayMs), jitter: .zero))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-bench-station-\(getpid())-\(connections)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try CirculationStore(path: dir.appendingPathComponent("station.sqlite").path, durability: .full)
        let field = StaticTagField()
        let ids = Array(SimulatedCatalog.Demo.availableItems.prefix(n))
        for (i, id) in ids.enumerated() {
            let memory = try Part3.encode(ItemRecord(primaryItemIdentifier: id, typeOfUsage: 0x10))
            field.place(
                EmulatedTag(uid: 0xE004_0150_6000_0000 | UInt64(i), dsfid: 0, afi: 0x07, memory: memory + [UInt8](repeating: 0, count: 80)),
                antennas: [1])
        }
        let clock = SystemMonotonicClock()
        let hub = try ReaderHub(
            readers: [ReaderSpec(id: "pad-1", antennas: [1])], ringCapacity: 1024, clock: clock,
            world: SimulatedWorld(field: field, beamInputs: { _, _, _ in 0 }))
        let pad = PadReader(hub: hub, clock: clock)
        pad.start()
        hub.start()
        defer {
            hub.stopReaders()
            pad.stop()
        }
        let config = SIP2ClientConfiguration(host: ils.host, port: ils.port, login: "sc_user", password: "sc_pass", institution: "DEMO")
        let pool = SIP2Pool((0..<connections).map { _ in SIP2Client(config) })
        var logger = Logger(label: "bench.station")
        logger.logLevel = .error
        let desk = StationDesk(
            settings: StationSettings(), store: store, pad: pad,
            writer: TagSecurityWriter(profile: .init(), commands: { hub.commands(for: $0) }), ils: pool, clock: clock,
            unixNow: { Int64(Date().timeIntervalSince1970) }, logger: logger)
        while pad.contents.items.count < ids.count { try await Task.sleep(for: .milliseconds(20)) }
        // Warm every connection (login and status are not part of a patron's wait).
        for c in pool.clients { try await c.connect() }
        var checkouts: [Double] = [], checkins: [Double] = []
        for _ in 0..<rounds {
            guard case .welcome = await desk.presentCard(SimulatedCatalog.Demo.chinesePatron)
            else { throw ValidationError("the simulated patron was not welcomed") }
            var t0 = ContinuousClock.now
            let out = await desk.checkout()
            checkouts.append((ContinuousClock.now - t0) / .milliseconds(1))
            guard let out, out.outcomes.filter(\.succeeded).count == ids.count else {
                throw ValidationError("checkout: \(out?.outcomes.map { "\($0.item) \($0.result)" } ?? ["nothing"])")
            }
            await desk.endSession()
            t0 = ContinuousClock.now
            let back = await desk.checkin()
            checkins.append((ContinuousClock.now - t0) / .milliseconds(1))
            guard let back, back.outcomes.filter(\.succeeded).count == ids.count else { throw ValidationError("return failed") }
            await desk.endSession()
        }
        await pool.disconnect()
        try await ils.stop()
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        return (median(checkouts), median(checkins))
    }
}
