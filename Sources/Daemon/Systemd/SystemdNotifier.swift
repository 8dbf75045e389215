import CSystemd

/// sd_notify(3) for Type=notify units: READY once the readers run, WATCHDOG=1 while the
/// pipeline is healthy, STOPPING on shutdown. Outside systemd ($NOTIFY_SOCKET unset) every
/// call is a cheap no-op, so the daemon behaves the same in a terminal.
public struct SystemdNotifier: Sendable {
    /// The watchdog interval systemd expects pings within, if it enabled one for us.
    public let watchdogMicros: UInt64?

    public init() {
        var usec: UInt64 = 0
        // sd_watchdog_enabled checks WATCHDOG_PID against our pid, as sd_watchdog_enabled(3) asks.
        watchdogMicros = sd_watchdog_enabled(0, &usec) > 0 ? usec : nil
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1") }

    private func send(_ message: String) {
        _ = message.withCString { sd_notify(0, $0) }
    }
}
