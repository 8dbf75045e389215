import Circulation
import ControlProtocol
import ILSSimulator
import Kiosk
import Logging
import RFIDGateConfig
import ReaderHub
import Readers
import SIP2Client
import Station
import StationCore
import Synchronization
import TagRing
import Threads

#if canImport(Glibc)
import Glibc
#endif

/// The station role's parts: the store, the reader hub with the pad reader as its consumer,
/// the SIP2 pool, the desk; with the embedded default also the simulated ILS and patrons.
final class StationRuntime: Sendable {
    let config: GateConfig
    let store: CirculationStore
    let hub: ReaderHub
    let pad: PadReader
    let pool: SIP2Pool
    let desk: StationDesk
    let autopilot: AutopilotDriver
    let simulation: StationSimulation?
    /// The simulated pad (feig-sim readers): the simulation's, or an empty one whose tags the
    /// kiosk API lays (a simulated pad in front of a real ILS, for browser tests and demos).
    let simulatedPad: SimulatedPad?
    /// The station screen's model, behind the kiosk server.
    let screen: StationScreen
    /// The receipt printer's libusb context, when no USB reader brought one.
    let printerUSB: USBContext?
    /// The outbox replay's own connection and the `[sip2]` it uses (the embedded ILS's address
    /// when none is configured).
    let syncClient: SIP2Client
    let syncSettings: SIP2Settings
    /// The desk's last status, kept by `StationService` for the control thread (which must
    /// never wait on the desk's actor).
    let deskStatus = Mutex<StatusReport.Station?>(nil)
    /// The control socket's events stream: sessions, item outcomes, reader states, sync results.
    let events: EventHub
    let startedNanos = SystemMonotonicClock().nanoseconds()

    private init(
        config: GateConfig, store: CirculationStore, hub: ReaderHub, pad: PadReader, pool: SIP2Pool, desk: StationDesk,
        autopilot: AutopilotDriver, simulation: StationSimulation?, simulatedPad: SimulatedPad?, screen: StationScreen,
        printerUSB: USBContext?, syncClient: SIP2Client, syncSettings: SIP2Settings, events: EventHub
    ) {
        self.events = events
        self.printerUSB = printerUSB
        self.simulatedPad = simulatedPad
        self.screen = screen
        self.syncClient = syncClient
        self.syncSettings = syncSettings
        self.config = config
        self.store = store
        self.hub = hub
        self.pad = pad
        self.pool = pool
        self.desk = desk
        self.autopilot = autopilot
        self.simulation = simulation
    }

    static func make(config: GateConfig, logger: Logger) async throws -> StationRuntime {
        let clock = SystemMonotonicClock()
        let s = config.station
        var clientConfig: SIP2ClientConfiguration
        var simulation: StationSimulation?
        let link = ScreenLink()
        var syncSettings = config.sip2
        if config.sip2.server != nil {
            clientConfig = try config.sip2.clientConfiguration(source: "[sip2]")
        } else {
            // No ILS configured: the embedded one, on loopback, answering like a busy ILS.
            let ils = try await SimulatedILS.start(configuration: .init(responseDelay: .milliseconds(120), jitter: .milliseconds(60)))
            clientConfig = SIP2ClientConfiguration(
                host: ils.host, port: ils.port, login: ils.configuration.login, password: ils.configuration.password,
                institution: ils.configuration.institution)
            simulation = try StationSimulation(
                ils: ils, catalog: .demo, seed: s.simulationSeed, screenInUse: { link.screen?.broadcast.count ?? 0 > 0 })
            syncSettings.server = "\(ils.host):\(ils.port)"
            syncSettings.syncIntervalSeconds = 2
            logger.info("station: no [sip2] server configured, using the simulated ILS on \(ils.host):\(ils.port)")
        }
        clientConfig.requestTimeout = .seconds(10)
        // A patron is waiting: after an outage, try the ILS again within seconds, not minutes.
        clientConfig.maxReconnectBackoff = .seconds(10)
        let simulatedPad = config.simulated
        var path = config.cachePath
        if simulatedPad && config.cache.path == nil {
            // The simulated station starts afresh: its ILS and pad are new each run.
            path = StatePaths.directory() + "/station-simulation.sqlite"
            for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        }
        let store = try CirculationStore(path: path, durability: .full)
        let simPad = simulation?.pad ?? (simulatedPad ? SimulatedPad() : nil)
        let world = simPad?.world
        let events = EventHub(role: "station")
        let hub = try ReaderHub(
            readers: config.readers, ringCapacity: config.ringCapacity, clock: clock, world: world,
            events: .init(
                failed: { id, wire, error in
                    logger.error("reader \(id) (\(wire)) failing: \(error)")
                    events.publish(.readerFailing(at: unixMillisNow(), reader: id, error: "\(error)"))
                },
                recovered: { id, down in
                    logger.notice("reader \(id) reads again")
                    events.publish(.readerRecovered(at: unixMillisNow(), reader: id, downMillis: Int(down / 1_000_000)))
                }))
        let pad = PadReader(hub: hub, clock: clock)
        simPad?.attach(pad)
        let pool = SIP2Pool((0..<s.sip2Connections).map { _ in SIP2Client(clientConfig, logger: Logger(label: "rfidgate.sip2")) })
        let settings = StationSettings(s, utcOffsetSeconds: localUTCOffset())
        let writer = TagSecurityWriter(profile: settings.security, commands: { [hub] in hub.commands(for: $0) })
        let deskLogger = Logger(label: "rfidgate.station")
        let desk = StationDesk(
            settings: settings, store: store, pad: pad, writer: writer, ils: pool, clock: clock,
            unixNow: { Int64(time(nil)) }, logger: deskLogger,
            events: { event in
                if case .tagFixed(let item, let afi) = event { deskLogger.notice("tag of \(item) put right (AFI \(afi))") }
                // Fan-out: the screen first (the patron waits on it), then the events stream.
                link.screen?.handle(event)
                if let e = ControlEvent(event, at: unixMillisNow()) { events.publish(e) }
            })
        let kiosk = KioskSettings(config.kiosk)
        let speaker =
            kiosk.speech
            ? Speaker(configuration: .init(wavDirectory: kiosk.speechWAVDirectory), logger: Logger(label: "rfidgate.kiosk.speech")) : nil
        let printer = Self.receiptPrinter(kiosk.printer, hub: hub, logger: logger)
        let screen = StationScreen(
            desk: desk, settings: kiosk, printer: printer.printer, speaker: speaker, simulated: simPad != nil)
        link.screen = screen
        let autopilot = AutopilotDriver(
            autopilot: Autopilot(
                checkoutWithCard: s.autoCheckoutWithCard, returnAfterNanos: s.autoReturnAfterSeconds.map { UInt64($0 * 1e9) }),
            pad: pad, clock: clock)
        return StationRuntime(
            config: config, store: store, hub: hub, pad: pad, pool: pool, desk: desk, autopilot: autopilot, simulation: simulation,
            simulatedPad: simPad, screen: screen, printerUSB: printer.ownContext,
            syncClient: SIP2Client(clientConfig, logger: Logger(label: "rfidgate.sync")),
            syncSettings: syncSettings, events: events)
    }

    /// The ESC/POS printer on USB, on the readers' libusb context or its own. A box whose
    /// libusb cannot start still lends: the patron is told there is no printer.
    static func receiptPrinter(
        _ setting: KioskSettings.Printer, hub: ReaderHub, logger: Logger
    )
        -> (printer: (any ReceiptPrinting)?, ownContext: USBContext?)
    {
        guard case .usb = setting else { return (nil, nil) }
        if let usb = hub.usb { return (USBReceiptPrinting(setting, context: usb), nil) }
        do {
            let own = try USBContext.system()
            return (USBReceiptPrinting(setting, context: own), own)
        } catch {
            logger.error("kiosk: no receipt printer: \(error)")
            return (nil, nil)
        }
    }

    /// The status report's JSON line (the control socket's thread).
    func statusLine(sync: SyncCounters) -> String {
        let reads = hub.runners.reduce(0) { $0 + $1.reader.stats.reads.load(ordering: .relaxed) }
        let report = StatusReport(
            role: "station", simulated: simulation != nil,
            uptimeSeconds: rounded(Double(SystemMonotonicClock().nanoseconds() - startedNanos) / 1e9, 1),
            readers: StatusReport.readers(hub.runners, config.readers), reads: reads, items: pad.contents.items.count, alarms: 0,
            undecodable: pad.contents.unreadable.count, drops: hub.drops,
            cache: StatusReport.Cache(path: store.path, entries: (try? store.itemCount()) ?? 0),
            sync: sync.enabled
                ? .init(replayed: sync.replayed, deadLetters: sync.deadLettered, backlog: sync.backlog < 0 ? nil : sync.backlog) : nil,
            storage: .init(faults: store.faultCount, alarmsHeld: 0), station: deskStatus.withLock { $0 })
        return ((try? JSONWire.encode(report)) ?? "{}") + "\n"
    }

    /// Copies the desk's counters and state for `statusLine`.
    func refreshStatus() async {
        let c = await desk.counters
        let state = await desk.state
        let open = await desk.openEntries()
        let contents = pad.contents
        let name: String =
            switch state {
            case .idle: "idle"
            case .needPIN: "pin"
            case .identifying: "identifying"
            case .ready: "patron"
            case .working: "working"
            case .receipt: "receipt"
            }
        deskStatus.withLock {
            $0 = StatusReport.Station(
                state: name, sessions: c.sessions, checkouts: c.checkouts, returns: c.returns, renewals: c.renewals,
                refusals: c.refusals, cancelled: c.cancelled, offline: c.offline, unresolved: c.unresolved, tagFixes: c.tagFixes,
                openJournal: open, padItems: contents.items.count, padTags: pad.tracker.tags.count)
        }
    }

    func start() {
        pad.start()
        hub.start()
    }

    func stop() async {
        hub.stopReaders()
        pad.stop()
        hub.shutdown()
        printerUSB?.shutdown()
        await pool.disconnect()
        await syncClient.disconnect()
        try? await simulation?.ils.stop()
    }
}

/// The desk is built before its screen, and its events go to the screen: this holds the
/// screen once it exists.
final class ScreenLink: Sendable {
    private let slot = Mutex<StationScreen?>(nil)
    var screen: StationScreen? {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}

struct StationStartError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// This box's offset from UTC now (SIP2 dates are local wall-clock time).
func localUTCOffset() -> Int {
    var t = time(nil)
    var tmLocal = tm()
    localtime_r(&t, &tmLocal)
    return tmLocal.tm_gmtoff
}
