import ControlProtocol
import Logging
import RFIDGateConfig
import ServiceLifecycle
import Station

/// The station role: the desk and its pad until SIGTERM/SIGINT or `--duration`; the
/// embedded default also runs simulated patrons. Prints a summary (JSON on request).
func runStationDaemon(_ options: DaemonOptions, config: GateConfig, logger: Logger) async -> Int32 {
    let runtime: StationRuntime
    do { runtime = try await StationRuntime.make(config: config, logger: logger) } catch {
        printError("rfidgated: cannot start the station: \(error)")
        return 70
    }
    let notifier = SystemdNotifier()
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
        .init(service: StationService(runtime: runtime, notifier: notifier, logger: logger), serviceName: "station")
    ]
    let syncCounters = SyncCounters()
    services.append(
        .init(
            service: SIP2SyncDaemonService(
                settings: runtime.syncSettings, openStore: { [runtime] in runtime.store }, client: runtime.syncClient,
                counters: syncCounters, output: StatusOutput(), logger: logger, events: runtime.events),
            successTerminationBehavior: .ignore, serviceName: "sip2-sync"))
    services.append(
        .init(
            service: ControlSocketService(
                config: config, logger: logger, events: runtime.events,
                report: { [runtime, syncCounters] in runtime.statusLine(sync: syncCounters) }),
            successTerminationBehavior: .ignore, serviceName: "control"))
    if config.kiosk.enabled {
        let screen = runtime.screen
        services.append(
            .init(
                service: KioskService(
                    config: config.kiosk, screen: .station(screen, simulation: runtime.simulatedPad), logger: logger,
                    follow: { await screen.run() }),
                successTerminationBehavior: .ignore, serviceName: "kiosk"))
    }
    if let simulation = runtime.simulation, config.station.simulatedPatrons {
        services.append(
            .init(
                service: StationSimulationService(
                    simulation: simulation, runtime: runtime, visitsPerMinute: config.station.simulatedVisitsPerMinute),
                successTerminationBehavior: .ignore, serviceName: "station-simulation"))
    }
    await runServiceGroup(services, options: options, logger: logger)
    let counters = await runtime.desk.counters
    let open = await runtime.desk.openEntries()
    let queued = ((try? runtime.store.outboxRows(.pending, limit: 100_000)) ?? []).map { ($0.item, $0.kind == .checkout) }
    let mismatches =
        runtime.simulation?.tagMismatches(
            securedAFI: runtime.desk.settings.security.securedAFI, unsecuredAFI: runtime.desk.settings.security.unsecuredAFI,
            queued: queued) ?? 0
    var summary = StationSummary(counters: counters, openJournal: open, tagMismatches: mismatches)
    summary.outboxReplayed = syncCounters.replayed
    summary.outboxBacklog = max(0, syncCounters.backlog)
    writeLine(summary.text)
    if options.summaryJSON { writeLine(summary.json) }
    return 0
}

/// The simulated patrons, for the embedded default.
struct StationSimulationService: Service {
    let simulation: StationSimulation
    let runtime: StationRuntime
    let visitsPerMinute: Double

    func run() async throws {
        let desk = runtime.desk, pad = runtime.pad
        try? await Task.sleep(for: .nanoseconds(Int64(desk.settings.settleNanos)))
        try? await cancelWhenGracefulShutdown {
            await simulation.run(desk: desk, pad: pad, visitsPerMinute: visitsPerMinute)
        }
    }
}

/// What `rfidgated --role station --duration N` prints at the end.
struct StationSummary: Codable {
    var role = "station"
    var sessions, checkouts, returns, renewals, refusals, cancelled, offline, unresolved: Int
    var tagFixes, writeRetries, reconciled: Int
    var openJournal: Int
    /// Offline loans and returns the sync sent to the ILS during the run, and still queued.
    var outboxReplayed = 0, outboxBacklog = 0
    /// Items whose tag security state disagrees with the ILS at the end (simulation only): 0.
    var tagMismatches: Int

    enum CodingKeys: String, CodingKey {
        case role, sessions, checkouts, returns, renewals, refusals, cancelled, offline, unresolved
        case tagFixes = "tag_fixes", writeRetries = "write_retries", reconciled
        case openJournal = "open_journal", tagMismatches = "tag_mismatches"
        case outboxReplayed = "outbox_replayed", outboxBacklog = "outbox_backlog"
    }

    init(counters c: StationCounters, openJournal: Int, tagMismatches: Int) {
        sessions = c.sessions; checkouts = c.checkouts; returns = c.returns; renewals = c.renewals; refusals = c.refusals
        cancelled = c.cancelled; offline = c.offline; unresolved = c.unresolved; tagFixes = c.tagFixes; writeRetries = c.writeRetries
        reconciled = c.reconciled
        self.openJournal = openJournal
        self.tagMismatches = tagMismatches
    }

    var text: String {
        "station summary: \(sessions) sessions, \(checkouts) checkouts, \(renewals) renewals, \(returns) returns, "
            + "\(refusals) refused, \(cancelled) cancelled, \(offline) offline, \(unresolved) for staff, "
            + "\(tagFixes) tags put right, \(openJournal) open journal entries, \(tagMismatches) tag mismatches"
    }

    var json: String { (try? JSONWire.encode(self)) ?? "{}" }
}
