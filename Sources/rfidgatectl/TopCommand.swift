import ArgumentParser
import ControlProtocol
import ISO28560
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM/SIGHUP while `top` runs: the loop restores the terminal and ends.
private let topQuit = Atomic<Bool>(false)

/// `rfidgatectl top`: the running daemon, refreshed in place: readers (state, reads/s per reader
/// and antenna, errors, ring fill, drops), alarms and visitors, the station's desk, and the
/// latest events. Status report every `--interval`, the events stream for what just happened.
struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Live view of the running rfidgated: readers, read rates, alarms, visitors, station.",
        discussion: "q or Ctrl-C quits. Colour on a terminal unless NO_COLOR is set.")

    @OptionGroup var control: ControlSocketOptions
    @Option(help: "Seconds between refreshes (0.2...60).") var interval: Double = 1
    @Flag(help: "No colour (as NO_COLOR=1).") var noColor = false

    func validate() throws {
        guard interval >= 0.2 && interval <= 60 else { throw ValidationError("--interval must be 0.2...60 seconds") }
    }

    func run() throws {
        let path = try control.path()
        // The first report now: a daemon that is not there is an error, not an empty screen.
        var previous: (report: StatusReport, at: UInt64)? = nil
        var current = (report: try StatusCommand.fetch(path), at: nowNanos())
        let tty = isatty(1) != 0
        let colour = tty && !noColor && (getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true)
        var screen = TopScreen(colour: colour)
        var stream: EventStream? = try? EventStream(at: path)
        if stream == nil { screen.note = "no events stream from this daemon: recent events not shown" }

        let terminal = tty ? RawTerminal() : nil
        for s in [SIGINT, SIGTERM, SIGHUP] { signal(s) { _ in topQuit.store(true, ordering: .relaxed) } }
        defer { terminal?.restore() }

        var nextRefresh = current.at
        var first = true
        while !topQuit.load(ordering: .relaxed) {
            let now = nowNanos()
            if now >= nextRefresh {
                if !first {
                    if let r = try? ControlClient.fetchStatus(at: path) {
                        previous = current
                        current = (r, now)
                        screen.note = stream == nil ? screen.note : nil
                    } else {
                        screen.note = "rfidgated does not answer at \(path): showing its last report"
                    }
                }
                first = false
                let size = terminalSize()
                let lines = screen.render(
                    current.report, previous: previous.map { (report: $0.report, seconds: Double(current.at - $0.at) / 1e9) },
                    width: size.columns)
                // Never more lines than the terminal has rows: the last line break would scroll.
                emit(tty ? Array(lines.prefix(max(1, size.rows - 1))) : lines, tty: tty)
                nextRefresh = now + UInt64(interval * 1e9)
            }
            // Wait for a key, an event or the next refresh.
            var fds: [pollfd] = []
            if terminal != nil { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
            if let stream { fds.append(pollfd(fd: stream.fd, events: Int16(POLLIN), revents: 0)) }
            let wait = Int32(max(1, (nextRefresh &- min(nextRefresh, nowNanos())) / 1_000_000))
            guard poll(&fds, nfds_t(fds.count), wait) > 0 else { continue }
            var k = 0
            if terminal != nil {
                if fds[0].revents & Int16(POLLIN) != 0 {
                    var byte: UInt8 = 0
                    if read(0, &byte, 1) == 1 && (byte == UInt8(ascii: "q") || byte == UInt8(ascii: "Q") || byte == 3) { break }
                }
                if fds[0].revents & Int16(POLLHUP) != 0 { break }
                k = 1
            }
            if let s = stream, k < fds.count, fds[k].revents != 0 {
                if let lines = s.next() {
                    for case (_, let e?) in lines { screen.take(e) }
                } else {
                    stream = nil
                    screen.note = "the events stream ended (daemon stopped?)"
                }
            }
        }
    }

    func emit(_ lines: [String], tty: Bool) {
        // On a terminal: home, each line over the old one (erased to its end), the rest erased.
        // Piped: one frame after the other, a blank line between.
        var out = tty ? "\u{1B}[H" : ""
        for line in lines { out += line + (tty ? "\u{1B}[K\r\n" : "\n") }
        out += tty ? "\u{1B}[J" : "\n"
        let bytes = Array(out.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }

    /// The terminal's size; 80 × 24 when it cannot be told (piped).
    func terminalSize() -> (columns: Int, rows: Int) {
        var ws = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 else { return (80, 24) }
        return (Int(ws.ws_col), Int(ws.ws_row))
    }

    func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// The terminal in the state `top` needs (no echo, keys one at a time, Ctrl-C as a key, the
/// alternate screen, no cursor), put back as it was by `restore`.
final class RawTerminal {
    private var saved = termios()
    private var raw = false
    private var restored = false

    init() {
        if tcgetattr(0, &saved) == 0 {
            var t = saved
            t.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
            withUnsafeMutableBytes(of: &t.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            raw = tcsetattr(0, TCSANOW, &t) == 0
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    func restore() {
        guard !restored else { return }
        restored = true
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        if raw { tcsetattr(0, TCSANOW, &saved) }
    }

    private func write(_ s: String) {
        let b = Array(s.utf8)
        _ = b.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
    }
}

/// What `top` shows, built from status reports and events; no I/O. Every line fits `width`
/// columns (80 at least assumed narrow terminals aside); tag text passes SafeText.
struct TopScreen {
    var colour: Bool
    /// The latest events worth a line (alarms, readers, station, sync), newest last.
    private(set) var recent: [ControlEvent] = []
    /// Events the daemon dropped for this client, and visitors seen on the stream.
    private(set) var droppedEvents = 0
    var note: String?
    static let recentLines = 6

    init(colour: Bool) { self.colour = colour }

    mutating func take(_ e: ControlEvent) {
        switch e.type {
        case "dropped": droppedEvents += e.count ?? 0
        case "subscribed", "visitors": break
        default:
            recent.append(e)
            if recent.count > Self.recentLines { recent.removeFirst(recent.count - Self.recentLines) }
        }
    }

    enum Colour: String {
        case red = "31", green = "32", yellow = "33", bold = "1", dim = "2"
    }

    /// One line of segments: text (escaped and cut to the width) with optional colour.
    struct Line {
        var segments: [(String, Colour?)] = []
        init(_ text: String = "", _ c: Colour? = nil) { if !text.isEmpty { segments = [(text, c)] } }
        mutating func add(_ text: String, _ c: Colour? = nil) { segments.append((text, c)) }
    }

    func render(_ r: StatusReport, previous: (report: StatusReport, seconds: Double)?, width: Int) -> [String] {
        var lines: [Line] = []
        let sim = r.simulated ? " (simulated)" : ""
        var head = Line("rfidgated \(r.role)\(sim)", .bold)
        head.add("  up \(duration(r.uptimeSeconds))  \(wallClock())  q quits")
        lines.append(head)
        if r.station == nil {
            var l = Line("reads \(r.reads)  items \(r.items)  ")
            l.add("alarms \(r.alarms)", r.alarms > 0 ? .red : nil)
            l.add("  undecodable \(r.undecodable)")
            if let v = r.visitors { l.add("  visitors \(v.entering) in \(v.leaving) out") }
            lines.append(l)
        } else {
            lines.append(Line("reads \(r.reads)  on the pad: \(r.items) items, \(r.undecodable) unreadable tags"))
        }
        lines.append(Line())
        lines.append(Line(row("READER", "STATE", "READS/S", "ERRORS", "RING", "DROPS", "ANTENNA:READS/S"), .bold))
        let before = previous?.report.readers ?? []
        let seconds = previous?.seconds ?? 0
        for reader in r.readers {
            let old = before.first { $0.id == reader.id }
            func rate(_ now: Int, _ then: Int?) -> String {
                guard let then, seconds > 0 else { return "-" }
                return "\(Int((Double(now - then) / seconds).rounded()))"
            }
            let errors = reader.timeouts + reader.protocolErrors + reader.disconnects
            let antennas = reader.antennas.map { a in
                "\(a.antenna):\(rate(a.reads, old.map { o in o.antennas.first { $0.antenna == a.antenna }?.reads ?? a.reads }))"
            }.joined(separator: " ")
            let stateColour: Colour? =
                switch reader.state {
                case "reading": .green
                case "failing": .red
                case "starting": .yellow
                default: .dim
                }
            var l = Line(pad(reader.id, 12))
            l.add(pad(reader.state, 9), stateColour)
            l.add(
                String(rate(reader.reads, old?.reads).leftPadded(8)) + "  " + "\(errors)".leftPadded(6) + "  "
                    + "\(Int((reader.ringFill * 100).rounded()))%".leftPadded(4) + "  " + "\(reader.drops)".leftPadded(5) + "  "
                    + antennas, reader.drops > 0 ? .yellow : nil)
            lines.append(l)
        }
        var ring = Line("ring drops \(r.drops)", r.drops > 0 ? .yellow : nil)
        ring.add("  high water " + r.readers.map { "\($0.id) \($0.ringHighWater)" }.joined(separator: ", "))
        lines.append(ring)
        if let st = r.station {
            lines.append(Line())
            var l = Line("STATION ", .bold)
            l.add(st.state, st.state == "idle" ? .dim : .green)
            l.add("  pad \(st.padItems) items (\(st.padTags) tags)  \(st.openJournal) unfinished")
            lines.append(l)
            lines.append(
                Line(
                    "sessions \(st.sessions)  out \(st.checkouts)  renewed \(st.renewals)  returned \(st.returns)  "
                        + "refused \(st.refusals)  cancelled \(st.cancelled)"))
            lines.append(Line("offline \(st.offline)  for staff \(st.unresolved)  tags put right \(st.tagFixes)"))
        }
        var tail = Line()
        if let c = r.cache { tail.add("cache \(c.entries) items") } else { tail.add("no cache", .yellow) }
        if let s = r.sync {
            tail.add("  sync \(s.replayed) replayed, ")
            tail.add("\(s.deadLetters) dead", s.deadLetters > 0 ? .red : nil)
            tail.add(", \(s.backlog.map(String.init) ?? "?") queued")
        }
        if let s = r.storage, s.faults > 0 || s.alarmsHeld > 0 {
            tail.add("  storage \(s.faults) faults, \(s.alarmsHeld) held", .red)
        }
        lines.append(tail)
        lines.append(Line())
        var title = Line("RECENT EVENTS", .bold)
        if droppedEvents > 0 { title.add("  (\(droppedEvents) dropped: this terminal was slow)", .yellow) }
        lines.append(title)
        if recent.isEmpty { lines.append(Line("none yet", .dim)) }
        for e in recent {
            let c: Colour? =
                switch e.type {
                case "alarm", "dead_letter": .red
                case "reader": e.state == "failing" ? .red : .green
                default: nil
                }
            var l = Line(e.at.map { Self.hhmmss($0) + " " } ?? "")
            l.add(Self.brief(e), c)
            lines.append(l)
        }
        if let note { lines.append(Line(note, .yellow)) }
        return lines.map { format($0, width: max(20, width)) }
    }

    /// An event in few columns: an alarm puts its title last, where a narrow line cuts it.
    static func brief(_ e: ControlEvent) -> String {
        guard e.type == "alarm" else { return e.text }
        var what = e.item ?? "tag \(e.tag ?? "?")"
        if let part = e.part, let parts = e.parts { what += " \(part)/\(parts)" }
        return "ALARM \(what) \(e.reader ?? "?")/\(e.antenna ?? 0): \(e.reason ?? "")" + (e.title.map { "  \"\($0)\"" } ?? "")
    }

    /// Escapes each segment (tag data), cuts the line at `width` visible columns, colours it.
    func format(_ line: Line, width: Int) -> String {
        var out = ""
        var left = width
        for (text, c) in line.segments where left > 0 {
            var piece = ""
            for ch in SafeText.display(text) {
                let w = ch.unicodeScalars.first.map { Self.columns($0) } ?? 1
                guard w <= left else { left = 0; break }
                piece.append(ch)
                left -= w
            }
            if let c, colour { out += "\u{1B}[\(c.rawValue)m" + piece + "\u{1B}[0m" } else { out += piece }
        }
        return out
    }

    /// Columns a character takes: East Asian wide and fullwidth ranges take two (titles are often
    /// Chinese), combining marks none.
    static func columns(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if s.properties.generalCategory == .nonspacingMark || s.properties.generalCategory == .enclosingMark { return 0 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x20000...0x3FFFD).contains(v)
        {
            return 2
        }
        return 1
    }

    func row(_ cells: String...) -> String {
        pad(cells[0], 12) + pad(cells[1], 9) + cells[2].leftPadded(8) + "  " + cells[3].leftPadded(6) + "  " + cells[4].leftPadded(4)
            + "  " + cells[5].leftPadded(5) + "  " + cells[6]
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 3600 { return "\(s / 60)m\(s % 60 < 10 ? "0" : "")\(s % 60)s" }
        return "\(s / 3600)h\(s % 3600 / 60 < 10 ? "0" : "")\(s % 3600 / 60)m"
    }

    func wallClock() -> String {
        var t = time(nil)
        var tmv = tm()
        localtime_r(&t, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))"
    }

    static func hhmmss(_ ms: Int64) -> String {
        var secs = time_t(ms / 1000)
        var tmv = tm()
        localtime_r(&secs, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))"
    }
}
