import ArgumentParser
import ControlProtocol
import Foundation
import RFIDGateConfig

#if canImport(Glibc)
import Glibc
#endif

/// `rfidgatectl status`: what the running daemon is doing, from its status socket. Two reports a
/// second apart give read rates per reader.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Readers, read rates, alarms, cache and sync of the running rfidgated.")

    @OptionGroup var control: ControlSocketOptions
    @Option(help: "Seconds between the two samples read rates come from (0: one sample, no rates).")
    var interval: Double = 1
    @Flag(help: "Print the daemon's report as one JSON object (the second sample).") var json = false

    func run() throws {
        let path = try control.path()
        let first = try Self.fetch(path)
        var report = first
        if interval > 0 {
            usleep(useconds_t(interval * 1_000_000))
            report = try Self.fetch(path)
        }
        if json {
            print(try JSONWire.encode(report))
            return
        }
        for line in Self.render(report, previous: interval > 0 ? first : nil, seconds: interval).split(
            separator: "\n", omittingEmptySubsequences: false)
        {
            print(line)
        }
    }

    static func fetch(_ path: String) throws -> StatusReport {
        do { return try ControlClient.fetchStatus(at: path) } catch { throw exit(error, path) }
    }

    /// A control-socket failure as the message on stderr and the exit status it means.
    static func exit(_ error: ControlClient.Failure, _ path: String) -> ExitCode {
        switch error {
        case .unreachable(let why):
            printError("rfidgatectl: cannot reach rfidgated at \(path): \(why) (is it running? as which user? pass --socket)")
            return ExitCode(69)
        case .notPermitted:
            printError("rfidgatectl: \(path): \(error)")
            return ExitCode(77)  // EX_NOPERM
        case .unreadable(let n):
            printError("rfidgatectl: the daemon at \(path) sent no readable report (\(n) bytes)")
            return ExitCode(70)
        case .noEvents, .refused:
            printError("rfidgatectl: \(path): \(error)")
            return ExitCode(69)
        case .noAnswer:
            printError("rfidgatectl: \(path): \(error)")
            return ExitCode(75)  // EX_TEMPFAIL
        }
    }

    /// The report, or nil when no daemon answers (callers for whom that is normal).
    static func fetchQuietly(_ path: String) -> StatusReport? { try? ControlClient.fetchStatus(at: path) }

    static func render(_ r: StatusReport, previous: StatusReport?, seconds: Double) -> String {
        var lines: [String] = []
        let simulated = r.simulated ? " (simulated readers)" : ""
        if r.station != nil {
            lines.append(
                "rfidgated: \(r.role)\(simulated), up \(Int(r.uptimeSeconds)) s; \(r.reads) reads, "
                    + "\(r.undecodable) unreadable tags on the pad, \(r.drops) ring drops")
        } else {
            lines.append(
                "rfidgated: \(r.role)\(simulated), up \(Int(r.uptimeSeconds)) s; \(r.reads) reads, "
                    + "\(r.items) item passages, \(r.alarms) alarms, \(r.undecodable) undecodable, \(r.drops) ring drops")
        }
        let before = previous?.readers ?? []
        var rows = [
            [
                "reader", "driver", "state", "reads/s", "reads", "errors", "ring", previous == nil ? "antenna:reads" : "antenna:reads/s",
                "wire",
            ]
        ]
        for reader in r.readers {
            let old = before.first { $0.id == reader.id }
            let rate = old.map { "\(Int((Double(reader.reads - $0.reads) / seconds).rounded()))" } ?? "-"
            let errors = reader.timeouts + reader.protocolErrors + reader.disconnects
            let fill = Int(reader.ringFill * 100)
            // Per antenna: reads/s with two samples, else total reads ("1:40 2:0" shows a dead antenna).
            let oldAntennas = old?.antennas ?? []
            let antennas: String = reader.antennas.map { a in
                guard old != nil else { return "\(a.antenna):\(a.reads)" }
                let before = oldAntennas.first { $0.antenna == a.antenna }?.reads ?? a.reads
                return "\(a.antenna):\(Int((Double(a.reads - before) / seconds).rounded()))"
            }.joined(separator: " ")
            rows.append([reader.id, reader.driver, reader.state, rate, "\(reader.reads)", "\(errors)", "\(fill)%", antennas, reader.wire])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                row.enumerated().map { c, v in c == row.count - 1 ? v : v.padding(toLength: widths[c] + 2, withPad: " ", startingAt: 0) }
                    .joined())
        }
        if let st = r.station {
            lines.append(
                "station: \(st.state); \(st.padItems) items on the pad (\(st.padTags) tags); \(st.sessions) sessions, \(st.checkouts) checkouts, "
                    + "\(st.renewals) renewals, \(st.returns) returns, \(st.refusals) refused, \(st.cancelled) cancelled, \(st.offline) offline, "
                    + "\(st.unresolved) for staff, \(st.tagFixes) tags put right; \(st.openJournal) unfinished (rfidgatectl sync report)")
        }
        if let cache = r.cache {
            lines.append("cache: \(cache.path) (\(cache.entries) items\(r.role == "station" ? " known" : " in the gate's index"))")
        } else {
            lines.append("cache: unavailable (judging by the tags alone)")
        }
        if let storage = r.storage, storage.faults > 0 || storage.alarmsHeld > 0 {
            lines.append(
                "storage: \(storage.faults) faults so far, \(storage.alarmsHeld) alarms held in memory\(storage.alarmsHeld > 0 ? " (the event log cannot be written: check the disk; they are written when it works again)" : "")"
            )
        }
        if let sync = r.sync {
            lines.append(
                "sync: \(sync.replayed) replayed, \(sync.deadLetters) dead letters, \(sync.backlog.map(String.init) ?? "?") queued (rfidgatectl sync status for details)"
            )
        } else {
            lines.append("sync: not configured ([sip2] server)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `--socket` / `--config`: where the daemon's control socket is (status, events, top).
struct ControlSocketOptions: ParsableArguments {
    @Option(help: "The daemon's status socket (default: [status] socket of --config, else /run/rfidgate/control.sock as root).")
    var socket: String?
    @Option(help: "Daemon configuration to take [status] socket from.") var config: String?

    func path() throws -> String {
        if let socket { return socket }
        var configured: String?
        let file = config ?? (access("/etc/rfidgate/rfidgate.toml", R_OK) == 0 ? "/etc/rfidgate/rfidgate.toml" : nil)
        if let file {
            do { configured = try ConfigFile.parse(try readTextFile(file), source: file).statusSocket } catch {
                printError("rfidgatectl: \(error)")
                throw ExitCode(78)
            }
        }
        return ControlSocketPath.resolve(configured: configured, client: true)
    }
}
