import ArgumentParser
import Circulation
import ISO28560
import RFIDGateConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--db` / `--config`: which circulation store a command works on. Without either, the store
/// of /etc/rfidgate/rfidgate.toml when that exists, else the embedded default's (the
/// simulated gate's). Run as root or as the rfidgate user so the default paths agree with the
/// daemon's (/var/lib/rfidgate).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The circulation store (SQLite file).")
    var db: String?

    @Option(name: .long, help: "Take the store's path from this daemon configuration ([cache] path).")
    var config: String?

    func path() throws -> String { try Self.path(db: db, config: config) }

    static func path(db: String?, config: String?) throws -> String {
        if let db { return db }
        let file = config ?? (access("/etc/rfidgate/rfidgate.toml", R_OK) == 0 ? "/etc/rfidgate/rfidgate.toml" : nil)
        guard let file else { return GateConfig().cachePath }
        do { return try ConfigFile.parse(try readTextFile(file), source: file).cachePath } catch {
            printError("rfidgatectl: \(error)")
            throw ExitCode(78)
        }
    }

    /// `create`: make the store when it does not exist yet (imports); otherwise a missing file
    /// is an error (a mistyped path must not create an empty cache).
    func open(durability: CirculationStore.Durability = .full, create: Bool = false) throws -> CirculationStore {
        do {
            let p = try path()
            return create
                ? try CirculationStore(path: p, durability: durability, cacheMiB: 64)
                : try CirculationStore.openExisting(path: p, durability: durability)
        } catch let e as CirculationError {
            printError("rfidgatectl: \(e)")
            throw ExitCode(1)
        }
    }
}

/// Runs `body`, turning a store error into a message and exit status 1.
func storeCall<T>(_ body: () throws(CirculationError) -> T) throws -> T {
    do { return try body() } catch {
        printError("rfidgatectl: \(error)")
        throw ExitCode(1)
    }
}

/// Local-time dates for people, without Foundation's formatters.
enum LocalTime {
    /// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (or with a T) in local time → Unix ms.
    static func parse(_ s: String) -> Int64? {
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "T" })
        let d = parts.first?.split(separator: "-").compactMap { Int32($0) } ?? []
        guard d.count == 3 else { return nil }
        var hm: [Int32] = [0, 0]
        if parts.count > 1 {
            hm = parts[1].split(separator: ":").compactMap { Int32($0) }
            guard hm.count >= 2 else { return nil }
        }
        var t = tm()
        t.tm_year = d[0] - 1900
        t.tm_mon = d[1] - 1
        t.tm_mday = d[2]
        t.tm_hour = hm[0]
        t.tm_min = hm[1]
        t.tm_isdst = -1
        guard (1...12).contains(d[1]), (1...31).contains(d[2]) else { return nil }
        let secs = mktime(&t)
        return secs == -1 ? nil : Int64(secs) * 1000
    }

    /// Unix ms → "YYYY-MM-DD HH:MM:SS" local time.
    static func format(_ ms: Int64, seconds: Bool = true) -> String {
        var secs = time_t(ms / 1000)
        var t = tm()
        localtime_r(&secs, &t)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let date = "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday)) \(two(t.tm_hour)):\(two(t.tm_min))"
        return seconds ? date + ":" + two(t.tm_sec) : date
    }
}

struct SinceOption: ParsableArguments {
    @Option(name: .long, help: "From this local date/time on: YYYY-MM-DD or \"YYYY-MM-DD HH:MM\".")
    var since: String

    func millis() throws -> Int64 {
        guard let v = LocalTime.parse(since) else {
            throw ValidationError("--since: \"\(since)\" is not YYYY-MM-DD or \"YYYY-MM-DD HH:MM\"")
        }
        return v
    }
}

/// One CSV field, quoted when needed (RFC 4180).
/// A CSV cell of an export: quoted, escaped and safe against spreadsheet formulas.
func csvField(_ s: String) -> String { SafeText.csvField(s) }

extension String {
    func replacingAll(_ a: Character, _ b: String) -> String {
        var out = ""
        for c in self { if c == a { out += b } else { out.append(c) } }
        return out
    }
}

/// Writes to standard error, optionally without a newline (progress lines on a terminal).
func printError(_ message: String, newline: Bool) {
    // A progress line starts with our own "return, erase line" (rewritten in place); the rest is
    // escaped like any output.
    let eraseLine = "\r\u{1B}[K"
    let body = message.hasPrefix(eraseLine) ? eraseLine + SafeText.display(message.dropFirst(eraseLine.count)) : SafeText.display(message)
    let bytes = Array((body + (newline ? "\n" : "")).utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
