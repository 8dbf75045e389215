import ControlProtocol
import Kiosk
import KioskCore
import Logging
import RFIDGateConfig
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Options of `rfidgated`, parsed by the executable.
public struct DaemonOptions: Sendable {
    public var configPath: String?
    /// `--role station` without a config: the embedded station (simulated pad, ILS, patrons).
    public var role: String?
    public var durationSeconds: Double?
    public var summaryJSON = false
    public init() {}
}

/// The daemon: load config, start the gate, print status until SIGTERM/SIGINT or the
/// duration ends, then print a summary. Returns the process exit status.
public func runDaemon(_ options: DaemonOptions) async -> Int32 {
    // SIGUSR1's default action kills the process: ignore it from the first instruction, so a
    // `systemctl reload` during start-up is harmless; SignalDumpService handles it from then on.
    signal(SIGUSR1, SIG_IGN)
    // A peer that hangs up (status client, ILS, a reader's TCP link, a closed stdout pipe) must
    // surface as EPIPE on that write, never kill the gate.
    signal(SIGPIPE, SIG_IGN)
    // Under systemd: native journal fields. In a terminal: plain text on stderr.
    let journal = JournalLogHandler.isConnected
    // Every line through SafeText: logs quote tag data.
    LoggingSystem.bootstrap { label in
        if journal { return SafeLogHandler(inner: JournalLogHandler(label: label)) }
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .info
        return SafeLogHandler(inner: handler)
    }
    let logger = Logger(label: "rfidgated")

    var config: GateConfig
    do {
        if let path = options.configPath {
            config = try ConfigFile.parse(try readTextFile(path), source: path)
        } else {
            config = options.role == "station" ? GateConfig.embeddedStation() : GateConfig()
            try config.validate()
        }
        if let role = options.role, role != config.role.rawValue {
            throw ConfigError("--role \(role) but the configuration says role = \"\(config.role.rawValue)\"")
        }
        // Secrets from their files or systemd's credentials; never printed, never logged.
        config.sip2 = try config.sip2.resolvingSecrets(
            environment: Secrets.processEnvironment(), configPath: options.configPath,
            warn: { logger.warning("\($0)") })
    } catch {
        printError("rfidgated: \(error)")
        return 78  // EX_CONFIG
    }

    if config.role == .station {
        return await runStationDaemon(options, config: config, logger: logger)
    }

    let runtime: GateRuntime
    do { runtime = try GateRuntime(config: config, logger: logger) } catch {
        printError("rfidgated: cannot start: \(error)")
        return 70
    }
    let notifier = SystemdNotifier()
    let output = StatusOutput()
    let syncCounters = SyncCounters()
    let recorder = EventRecorder(runtime: runtime, output: output, logger: logger, outputs: runtime.alarmOutputs)

    // One SIP2 session for the box, shared by its users (replay now, the station next).
    let sip2Client = SIP2ClientService.makeClient(config.sip2, logger: logger)

    // Started in this order, shut down in reverse: the SIP2 client comes before its users.
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
    if let sip2Client {
        services.append(
            .init(service: SIP2ClientService(client: sip2Client), successTerminationBehavior: .ignore, serviceName: "sip2-client"))
    }
    services += [
        .init(service: GateService(runtime: runtime, notifier: notifier, logger: logger), serviceName: "gate"),
        .init(
            service: StatusService(runtime: runtime, output: output, notifier: notifier, logger: logger, recorder: recorder),
            successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "status"),
        .init(
            service: SignalDumpService(runtime: runtime, logger: logger),
            successTerminationBehavior: .ignore, serviceName: "sigusr1"),
        .init(
            service: CacheWatchService(runtime: runtime, logger: logger), successTerminationBehavior: .ignore, serviceName: "cache-watch"),
        .init(
            service: ControlSocketService(
                config: config, logger: logger, events: runtime.events,
                report: { [runtime, syncCounters] in StatusReport.line(runtime, sync: syncCounters) }),
            successTerminationBehavior: .ignore, serviceName: "control"),
        .init(
            service: SIP2SyncDaemonService(
                settings: config.sip2,
                openStore: { [runtime, logger] in
                    if runtime.cache == nil {
                        logger.error("SIP2 sync is configured but the circulation store is unavailable: queued loans wait until it opens")
                    }
                    return await runtime.store.awaitStore()?.store
                }, client: sip2Client, counters: syncCounters, output: output, logger: logger, events: runtime.events),
            successTerminationBehavior: .ignore, serviceName: "sip2-sync"),
    ]
    if config.kiosk.enabled {
        // The staff screen beside the exit: its own follower of the event log.
        let screen = GateScreen(language: KioskLanguage(rawValue: config.kiosk.language) ?? .zh)
        let feed = GateScreenFeed(
            screen: screen, store: { [runtime] in runtime.cache?.store }, language: screen.view.language, logger: logger)
        services.append(
            .init(
                service: KioskService(config: config.kiosk, screen: .gate(screen), logger: logger, follow: { try? await feed.run() }),
                successTerminationBehavior: .ignore, serviceName: "kiosk"))
    }
    await runServiceGroup(services, options: options, logger: logger)
    // The gate service has stopped every thread: what is left in the event ring is final.
    recorder.drain(final: true)
    recorder.alarms.stop()
    let latency = runtime.pipeline.latency
    var summary = RunSummary(runtime.snapshot(), latency: (latency.percentile(0.5), latency.percentile(0.99), latency.maxNanos))
    summary.sync = syncCounters.enabled ? (syncCounters.replayed, syncCounters.deadLettered, syncCounters.backlog) : nil
    summary.storage = (faults: runtime.store.faults, alarmsNotLogged: recorder.pendingCount)
    if recorder.pendingCount > 0 {
        logger.critical("stopping with \(recorder.pendingCount) alarm(s) that never reached the event log: the store kept failing")
    }
    writeLine(summary.text)
    if options.summaryJSON { writeLine(summary.json) }
    return 0
}

/// Runs a role's services with the stops every role shares: SIGTERM/SIGINT (and a stop that
/// came during start-up) end it gracefully, so does `--duration`; returns when all stopped.
func runServiceGroup(_ roleServices: [ServiceGroupConfiguration.ServiceConfiguration], options: DaemonOptions, logger: Logger) async {
    var services = roleServices
    services.append(.init(service: EarlyStopService(), successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "early-stop"))
    if let seconds = options.durationSeconds {
        services.append(
            .init(service: DurationService(seconds: seconds), successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "duration")
        )
    }
    var groupConfig = ServiceGroupConfiguration(
        services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
    // Below the unit's TimeoutStopSec=15s, so systemd never has to SIGKILL us.
    groupConfig.maximumGracefulShutdownDuration = .seconds(10)
    do { try await ServiceGroup(configuration: groupConfig).run() } catch {
        logger.error("service group failed: \(error)")
    }
}
