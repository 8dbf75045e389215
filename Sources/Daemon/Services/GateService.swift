import Logging
import ServiceLifecycle

/// Runs the gate's threads for the lifetime of the service group; on graceful shutdown it
/// stops readers first, lets the decode thread drain the rings, then returns.
public struct GateService: Service {
    let runtime: GateRuntime
    let notifier: SystemdNotifier
    let logger: Logger

    public init(runtime: GateRuntime, notifier: SystemdNotifier, logger: Logger) {
        self.runtime = runtime
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        runtime.start()
        let readers = runtime.config.readers.map {
            "\($0.id) (\($0.driver.rawValue), antennas \($0.antennas.map(String.init).joined(separator: ",")))"
        }
        logger.info("gate running", metadata: ["readers": "\(readers.joined(separator: "; "))"])
        notifier.ready(status: "reading \(readers.count) reader(s)")
        // Wait for SIGTERM/SIGINT or the end of --duration; a cancellation ends the wait too.
        try? await gracefulShutdown()
        notifier.stopping()
        runtime.stop()
        logger.info("gate stopped")
    }
}

/// Ends the service group after a fixed time (`rfidgated --duration N`).
public struct DurationService: Service {
    let seconds: Double
    public init(seconds: Double) { self.seconds = seconds }
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        }
    }
}
