import Gate
import Logging
import ServiceLifecycle

/// Prints the once-a-second status line and every alarm as it happens, and feeds the systemd
/// watchdog while the decode thread is alive. The only consumer of the pipeline's event ring.
public struct StatusService: Service {
    let runtime: GateRuntime
    let output: StatusOutput
    let notifier: SystemdNotifier
    let logger: Logger
    let recorder: EventRecorder?

    public init(runtime: GateRuntime, output: StatusOutput, notifier: SystemdNotifier, logger: Logger, recorder: EventRecorder? = nil) {
        self.recorder = recorder
        self.runtime = runtime
        self.output = output
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        let interval = UInt64(runtime.config.statusIntervalMillis) * 1_000_000
        let watchdogEvery = notifier.watchdogMicros.map { $0 * 1000 / 2 }  // ping at half the interval
        var lastPrint = runtime.snapshot()
        var lastWatchdog = lastPrint.nanos
        var lastHeartbeat = runtime.heartbeat
        // Under systemd stdout is the journal: the live figures go to STATUS= instead.
        let toJournal = JournalLogHandler.isConnected
        if toJournal {
            logger.notice("gate running; live figures in systemctl status, rfidgatectl status and top")
        } else {
            output.header(runtime)
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            if let recorder { recorder.drain() } else { output.drainEvents(runtime, logger: logger) }
            let now = runtime.snapshot()
            if now.nanos &- lastPrint.nanos >= interval {
                if toJournal {
                    notifier.status(output.statusText(now, previous: lastPrint))
                } else {
                    output.line(now, previous: lastPrint)
                }
                lastPrint = now
            }
            if let every = watchdogEvery, now.nanos &- lastWatchdog >= every {
                let beat = runtime.heartbeat
                if beat != lastHeartbeat {
                    notifier.watchdog()
                    lastHeartbeat = beat
                } else {
                    logger.error("decode thread made no progress: withholding the watchdog ping")
                }
                lastWatchdog = now.nanos
            }
        }
    }
}
