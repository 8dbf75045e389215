import ArgumentParser
import Daemon
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `rfidgatectl status`: what the running daemon is doing, from its status socket. Two reports a
/// second apart give read rates per reader.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Readers, read rates, alarms, cache and sync of the running rfidgated.")

    @Option(help: "The daemon's status socket (default: [status] socket of --config, else /run/rfidgate/control.sock as root).")
    var socket: String?
    @Option(help: "Daemon configuration to take [status] socket from.") var config: String?
    @Option(help: "Seconds between the two samples read rates come from (0: one sample, no rates).")
    var interval: Double = 1
    @Flag(help: "Print the daemon's report as one JSON object (the second sample).") var json = false

    func run() throws {
        let path = try socketPath()
        let first = try Self.fetch(path)
        var report = first
        if interval > 0 {
            usleep(useconds_t(interval * 1_000_000))
            report = try Self.fetch(path)
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(Self.render(report, previous: interval > 0 ? first : nil, seconds: interval))
    }

    func socketPath() throws -> String {
        if let socket { return socket }
        var configured: String?
        let file = config ?? (access("/etc/rfidgate/rfidgate.toml", R_OK) == 0 ? "/etc/rfidgate/rfidgate.toml" : nil)
        if let file {
            do { configured = try ConfigFile.parse(try readTextFile(file), source: file).statusSocket } catch {
                printError("rfidgatectl: \(error)")
                throw ExitCode(78)
            }
        }
        return ControlSocketPath.resolve(configured: configured)
    }

    static func fetch(_ path: String) throws -> [String: Any] {
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch {
            printError("rfidgatectl: cannot reach rfidgated at \(path): \(error) (is it running? as which user? pass --socket)")
            throw ExitCode(69)
        }
        defer { close(fd) }
        let bytes = UnixSocket.readAll(fd)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            printError("rfidgatectl: the daemon at \(path) sent no readable report (\(bytes.count) bytes)")
            throw ExitCode(70)
        }
        return object
    }

    /// The report, or nil when no daemon answers (callers for whom that is normal).
    static func fetchQuietly(_ path: String) -> [String: Any]? {
        guard let fd = try? UnixSocket.connect(to: path) else { return nil }
        defer { close(fd) }
        return try? JSONSerialization.jsonObject(with: Data(UnixSocket.readAll(fd))) as? [String: Any]
    }

    static func render(_ r: [String: Any], previous: [String: Any]?, seconds: Double) -> String {
        func int(_ d: [String: Any]?, _ k: String) -> Int { d?[k] as? Int ?? 0 }
        var lines: [String] = []
        let simulated = r["simulated"] as? Bool == true ? " (simulated readers)" : ""
        let up = r["uptime_s"] as? Double ?? 0
        lines.append("rfidgated: \(r["role"] as? String ?? "?")\(simulated), up \(Int(up)) s; \(int(r, "reads")) reads, "
            + "\(int(r, "items")) item passages, \(int(r, "alarms")) alarms, \(int(r, "undecodable")) undecodable, \(int(r, "drops")) ring drops")
        let before = (previous?["readers"] as? [[String: Any]]) ?? []
        var rows = [["reader", "driver", "state", "reads/s", "reads", "errors", "ring", previous == nil ? "antenna:reads" : "antenna:reads/s", "wire"]]
        for reader in (r["readers"] as? [[String: Any]]) ?? [] {
            let id = reader["id"] as? String ?? "?"
            let old = before.first { $0["id"] as? String == id }
            let rate = old.map { "\(Int((Double(int(reader, "reads") - int($0, "reads")) / seconds).rounded()))" } ?? "-"
            let errors = int(reader, "timeouts") + int(reader, "protocol_errors") + int(reader, "disconnects")
            let fill = Int(((reader["ring_fill"] as? Double) ?? 0) * 100)
            // Per antenna: reads/s with two samples, else total reads ("1:40 2:0" shows a dead antenna).
            let oldAntennas = (old?["antennas"] as? [[String: Any]]) ?? []
            let antennas: String = ((reader["antennas"] as? [[String: Any]]) ?? []).map { (a: [String: Any]) -> String in
                let n = int(a, "antenna"), reads = int(a, "reads")
                guard old != nil else { return "\(n):\(reads)" }
                let before = oldAntennas.first { int($0, "antenna") == n }.map { int($0, "reads") } ?? reads
                return "\(n):\(Int((Double(reads - before) / seconds).rounded()))"
            }.joined(separator: " ")
            rows.append([id, reader["driver"] as? String ?? "?", reader["state"] as? String ?? "?", rate,
                         "\(int(reader, "reads"))", "\(errors)", "\(fill)%", antennas, reader["wire"] as? String ?? ""])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { c, v in c == row.count - 1 ? v : v.padding(toLength: widths[c] + 2, withPad: " ", startingAt: 0) }.joined())
        }
        if let cache = r["cache"] as? [String: Any] {
            lines.append("cache: \(cache["path"] as? String ?? "?") (\(int(cache, "entries")) items in the gate's index)")
        } else {
            lines.append("cache: unavailable (judging by the tags alone)")
        }
        if let sync = r["sync"] as? [String: Any] {
            let backlog = sync["backlog"] as? Int
            lines.append("sync: \(int(sync, "replayed")) replayed, \(int(sync, "dead_letters")) dead letters, \(backlog.map(String.init) ?? "?") queued (rfidgatectl sync status for details)")
        } else {
            lines.append("sync: not configured ([sip2] server)")
        }
        return lines.joined(separator: "\n")
    }
}
