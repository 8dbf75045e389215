import Logging
import ServiceLifecycle
import UnixSignals

/// SIGUSR1 (`systemctl reload rfidgated`) logs a snapshot of the gate's state instead of
/// killing the process, which is SIGUSR1's default action.
public struct SignalDumpService: Service {
    let runtime: GateRuntime
    let logger: Logger

    public init(runtime: GateRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigusr1)
        for await _ in signals.cancelOnGracefulShutdown() {
            let s = runtime.snapshot()
            var metadata: Logger.Metadata = [
                "gate.reads": "\(s.reads)", "gate.items": "\(s.items)", "gate.alarms": "\(s.alarms)",
                "ring.drops": "\(s.drops)", "ring.high_water": "\(s.ringHighWater)",
            ]
            for runner in runtime.runners {
                let st = runner.reader.stats
                metadata["reader.\(runner.name)"] =
                    "\(runner.state) inventories=\(st.inventories.load(ordering: .relaxed)) timeouts=\(st.timeouts.load(ordering: .relaxed)) crc_errors=\(st.crcErrors.load(ordering: .relaxed)) disconnects=\(st.disconnects.load(ordering: .relaxed))"
            }
            logger.notice("state on SIGUSR1", metadata: metadata)
        }
    }
}
