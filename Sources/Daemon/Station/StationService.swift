import Logging
import ServiceLifecycle
import Station

/// Runs the station for the service group's lifetime: readers and the pad thread, then a
/// loop that settles the journal after a restart, ticks the desk (timeouts, autopilot) and
/// repairs tags on an idle pad. Ready for systemd once the journal is settled.
struct StationService: Service {
    let runtime: StationRuntime
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        runtime.start()
        let desk = runtime.desk
        // "Not on the pad" means something only once the pad has been read a while.
        try? await Task.sleep(for: .nanoseconds(Int64(desk.settings.settleNanos)))
        let open = await desk.openEntries()
        if open > 0 {
            let closed = await desk.reconcile()
            logger.notice("station journal: \(closed) of \(open) unfinished item(s) settled after the last stop")
        }
        notifier.ready(status: "station \(desk.settings.stationID) ready")
        logger.info("station running", metadata: ["station": "\(desk.settings.stationID)"])
        let runtime = runtime, notifier = notifier
        try? await cancelWhenGracefulShutdown {
            var lastReconcile = ContinuousClock.now
            while !Task.isCancelled {
                await desk.tick()
                await runtime.refreshStatus()
                await runtime.autopilot.step(desk: desk)
                if ContinuousClock.now - lastReconcile > .seconds(10) {
                    lastReconcile = .now
                    if await desk.openEntries() > 0 { await desk.reconcile() }
                    await desk.auditPad()
                }
                notifier.watchdog()
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        notifier.stopping()
        await runtime.stop()
        logger.info("station stopped")
    }
}
