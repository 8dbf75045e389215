import Foundation
import Testing

/// Under systemd, stdout is the journal: the once-a-second figures go to STATUS= (what
/// `systemctl status` shows) and the journal keeps the events (alarms), not a table line a
/// second (86,400 a day per gate).
@Suite("under systemd the live figures go to STATUS=", .serialized)
struct JournalStatusTests {
    @Test func liveFiguresGoToStatusAndAlarmsToTheJournal() throws {
        let notify = try WatchdogTests.NotifySocket()
        defer { notify.close() }
        let daemon = Process()
        daemon.executableURL = try DaemonBinaryTests.product("rfidgated")
        daemon.arguments = ["--duration", "30"]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env["JOURNAL_STREAM"] = "0:0"  // what systemd sets when stdout/stderr go to the journal
        env.removeValue(forKey: "WATCHDOG_USEC")
        daemon.environment = env
        let out = Pipe(), err = Pipe()
        daemon.standardOutput = out
        daemon.standardError = err
        let log = DaemonBinaryTests.Collected()
        out.fileHandleForReading.readabilityHandler = { h in log.append(out: h.availableData) }
        err.fileHandleForReading.readabilityHandler = { h in log.append(err: h.availableData) }
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() } }

        let figures = { notify.messages.filter { $0.hasPrefix("STATUS=") && $0.contains("reads/s") } }
        #expect(WatchdogTests.wait { figures().count >= 3 }, "no STATUS= figures: \(notify.messages.suffix(5))")
        // The simulated gate's first alarm comes within seconds: events still reach the journal.
        #expect(WatchdogTests.wait { log.out.contains("ALARM") }, "no ALARM line on stdout: \(log.out.suffix(400))")
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        #expect(daemon.terminationStatus == 0)
        let table = log.out.split(separator: "\n").filter { line in
            line.contains("reads/s  items/s") || line.range(of: #"^\s*\d+s\s+\d+\s"#, options: .regularExpression) != nil
        }
        #expect(table.isEmpty, "status table lines reached the journal: \(table.prefix(3))")
        #expect(figures().first?.contains("alarms") == true)
    }
}
