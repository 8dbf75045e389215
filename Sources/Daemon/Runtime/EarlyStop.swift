import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM or SIGINT before the service group traps them (config parsing, opening the store,
/// building the readers) would take the default action and kill the daemon with status 143.
/// A stop asked for at any moment of start-up is a clean stop: the first instruction installs
/// a handler that only records the request; the group traps both signals before it starts
/// its services, and `EarlyStopService`, one of them, turns a recorded request into a
/// graceful shutdown of the group.
public enum EarlyStop {
    /// Set from a signal handler: a lock-free atomic store is async-signal-safe.
    static let requested = Atomic<Bool>(false)

    /// Call first thing in `main`, before parsing arguments.
    public static func install() {
        for sig in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in EarlyStop.requested.store(true, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
    }
}

/// Ends the group at once when a stop was requested before the group trapped the signals.
struct EarlyStopService: Service {
    func run() async throws {
        if EarlyStop.requested.load(ordering: .relaxed) { return }
        try? await gracefulShutdown()
    }
}
