import Gate
import ISO28560
import Logging
import RFIDGateConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How the daemon talks to a person at a terminal (and to journald through stdout).
/// Plain text, fixed columns; no Foundation formatting, which would drag ICU into the binary.
public final class StatusOutput: Sendable {
    let write: @Sendable (String) -> Void
    private let alarmLines = Atomic<Int>(0)

    /// By default each line goes straight to fd 1 with one write(2): stdio would buffer a pipe
    /// (journald, a test harness) and hold status lines back until exit.
    /// Every line passes SafeText first: item ids, owners and titles come from tags and imports,
    /// and nothing written on a tag may reach a terminal or the journal raw.
    public init(write: @escaping @Sendable (String) -> Void = writeLine) {
        self.write = { line in write(SafeText.display(line)) }
    }

    func header(_ runtime: GateRuntime) {
        let c = runtime.config
        let what =
            runtime.simulation != nil
            ? "simulated gate (emulated FEIG readers; \(c.simulation.population) tagged items, \(format(c.simulation.patronsPerMinute, 0)) patrons/min)"
            : "gate"
        write("rfidgated: \(what); Ctrl-C stops")
        write(
            pad("time", 6) + pad("reads/s", 9) + pad("items/s", 9) + pad("alarms", 8) + pad("ring", 6) + pad("drops", 7) + pad("errors", 8))
    }

    func line(_ now: GateRuntime.Snapshot, previous: GateRuntime.Snapshot) {
        let dt = Double(now.nanos &- previous.nanos) / 1e9
        let reads = Double(now.reads - previous.reads) / max(dt, 1e-9)
        let items = Double(now.items - previous.items) / max(dt, 1e-9)
        write(
            pad("\(Int((Double(now.nanos) / 1e9).rounded()))s", 6) + pad(format(reads, 0), 9) + pad(format(items, 1), 9)
                + pad("\(now.alarms)", 8) + pad("\(Int((now.ringFill * 100).rounded()))%", 6) + pad("\(now.drops)", 7)
                + pad("\(now.readerErrors)", 8))
    }

    /// The same figures as one line for systemd's STATUS= (`systemctl status` shows it): under
    /// systemd the live figures go there, to `rfidgatectl` and to metrics, and the journal gets
    /// events, not 86,400 table lines a day.
    func statusText(_ now: GateRuntime.Snapshot, previous: GateRuntime.Snapshot) -> String {
        let dt = Double(now.nanos &- previous.nanos) / 1e9
        let reads = Double(now.reads - previous.reads) / max(dt, 1e-9)
        let items = Double(now.items - previous.items) / max(dt, 1e-9)
        return "\(format(reads, 0)) reads/s, \(format(items, 1)) items/s, \(now.alarms) alarms, ring "
            + "\(Int((now.ringFill * 100).rounded()))%, \(now.drops) drops, \(now.readerErrors) reader errors"
    }

    /// Prints and logs every pending gate event without recording it (no event log).
    /// Call from one task only (ring consumer); the daemon uses `EventRecorder` instead.
    public func drainEvents(_ runtime: GateRuntime, logger: Logger) {
        while let e = runtime.pipeline.events.pop() { report(e, runtime, logger: logger) }
    }

    /// Prints (alarms) and logs one gate event. `title`: the item's title when the cache knows it.
    public func report(_ e: GateEvent, _ runtime: GateRuntime, logger: Logger, title: String? = nil, logged: Bool = true) {
        let at = format(Double(e.atNanos &- runtime.startedNanos) / 1e9, 1)
        let reader = runtime.readerName(e.reader)
        var item = e.item.isEmpty ? "tag \(hex64(e.tagID))" : "item \(e.item)"
        if e.partsInSet > 1 { item += " part \(e.partNumber)/\(e.partsInSet)" }
        let owner = e.owner.isEmpty ? "" : " (\(e.owner))"
        switch e.kind {
        case .alarm:
            alarmLines.add(1, ordering: .relaxed)
            let titled = title.map { "  \"\($0)\"" } ?? ""
            let unlogged = logged ? "" : "  [not yet in the event log]"
            write(
                "ALARM  \(item)\(owner)\(titled)  reader \(reader) antenna \(e.antenna)  AFI \(hex2(e.afi)): \(e.reason)  at \(at)s\(unlogged)"
            )
            logger.notice(
                "alarm",
                metadata: [
                    "item.id": "\(e.item)", "tag.uid": "\(hex64(e.tagID))", "reader.id": "\(reader)",
                    "reader.antenna": "\(e.antenna)", "alarm.reason": "\(e.reason)", "item.title": "\(title ?? "")",
                    "item.owner": "\(e.owner)", "cache.state": "\(e.cache)",
                ])
        case .undecodable:
            let why = e.decodeError.map { ": \($0)" } ?? ""
            logger.warning("undecodable tag \(hex64(e.tagID)) on reader \(reader) antenna \(e.antenna)\(why)")
        case .conflict:
            logger.warning(
                "\(item)\(owner): tag AFI \(hex2(e.afi)) and the circulation cache (\(e.cache)) disagree; decided: \(e.reason). Check the item at the desk (re-write its tag or its loan)",
                metadata: [
                    "item.id": "\(e.item)", "reader.id": "\(reader)", "cache.state": "\(e.cache)",
                ])
        }
    }

    public var alarmsPrinted: Int { alarmLines.load(ordering: .relaxed) }
}

/// Writes one line to standard output, unbuffered.
public func writeLine(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(1, raw.baseAddress! + offset, raw.count - offset)
            if n <= 0 { return }  // stdout closed: nothing useful to do
            offset += n
        }
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : String(repeating: " ", count: width - s.count) + s
}

/// Fixed-point formatting without Foundation.
func format(_ v: Double, _ decimals: Int) -> String {
    guard v.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let n = (abs(v) * scale).rounded()
    let whole = Int(n / scale)
    let sign = v < 0 && n != 0 ? "-" : ""
    if decimals == 0 { return sign + String(whole) }
    let frac = Int(n - Double(whole) * scale)
    let fs = String(frac)
    return sign + String(whole) + "." + String(repeating: "0", count: decimals - fs.count) + fs
}

func hex2(_ b: UInt8) -> String {
    let s = String(b, radix: 16, uppercase: true)
    return s.count == 1 ? "0" + s : s
}

func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 16 - s.count)) + s
}
