import ArgumentParser
import ControlProtocol
import ISO28560
import RFIDGateConfig

#if canImport(Glibc)
import Glibc
#endif

/// `rfidgatectl events --follow [--json]`: what the running daemon does, as it happens (alarms,
/// reader failures and recoveries, visitor counts, station sessions and items, sync results),
/// from its control socket. The event log's history is `alarms` and `stats visitors`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow the running rfidgated's events: alarms, readers, visitors, station, sync.",
        discussion: "One line per event until Ctrl-C; with --json one JSON object per line (fields in docs/technician.md).")

    @OptionGroup var control: ControlSocketOptions
    @Flag(help: "Keep following (required: the history is `rfidgatectl alarms` and `stats visitors`).") var follow = false
    @Flag(help: "One JSON object per event and line (type, at, ...), as the daemon sends them.") var json = false

    func validate() throws {
        guard follow else {
            throw ValidationError("events needs --follow (the event log's history: rfidgatectl alarms --since, stats visitors --since)")
        }
    }

    func run() throws {
        let path = try control.path()
        let stream: EventStream
        do { stream = try EventStream(at: path) } catch { throw StatusCommand.exit(error, path) }
        if !json { print("following rfidgated's \(stream.hello.role ?? "?") events at \(path) (Ctrl-C stops)") }
        fflush(nil)
        while let lines = stream.next() {
            for (raw, event) in lines {
                if json {
                    // The daemon's line (JSONWire already escaped it), unchanged: newer fields stay.
                    if event != nil { print(raw) }
                } else if let event {
                    print(Self.text(event))
                }
            }
            fflush(nil)
        }
        printError("rfidgatectl: rfidgated closed the events stream (it stopped)")
        throw ExitCode(69)
    }

    /// One readable line: local time, then the event (through SafeText when printed).
    static func text(_ e: ControlEvent) -> String {
        guard let at = e.at else { return "                     " + e.text }
        return LocalTime.format(at) + "  " + e.text
    }
}
