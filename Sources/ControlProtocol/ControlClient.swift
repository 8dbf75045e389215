#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The client side of the control socket: connect, read the one report the daemon writes, decode.
public enum ControlClient {
    public enum Failure: Error, CustomStringConvertible {
        /// Nobody answers at the path (no daemon).
        case unreachable(UnixSocket.Failure)
        /// The socket is there but this user may not use it: not in its group.
        case notPermitted(group: String?)
        /// Something answered but sent no report this version can read.
        case unreadable(bytes: Int)
        /// The daemon took the connection but sent nothing in time: it is stuck.
        case noAnswer(seconds: Int)
        /// The daemon answered `events` with a status report: it is older than the events stream.
        case noEvents
        /// The daemon turned the request down (too many followers), saying why.
        case refused(String)

        public var description: String {
            switch self {
            case .unreachable(let f): "\(f)"
            case .notPermitted(let g?):
                "permission denied: reading the status needs membership of group \(g) (sudo usermod -aG \(g) USER, then log in again)"
            case .notPermitted(nil): "permission denied: this user may not use the status socket"
            case .unreadable(let n): "no readable report (\(n) bytes)"
            case .noEvents:
                "this rfidgated does not stream events (it is older than this rfidgatectl): upgrade it, or use rfidgatectl status"
            case .refused(let why): "the daemon refused: \(why)"
            case .noAnswer(let s):
                "the daemon accepted the connection but sent no report within \(s) s: it looks stuck (systemctl status rfidgate; the watchdog restarts a daemon whose decode loop stops)"
            }
        }
    }

    /// Reads the running daemon's report; a daemon that does not answer within `timeoutSeconds`
    /// is an error, not a hang (a technician's shell must come back).
    /// Sends `status` first (a daemon older than the request line ignores it and answers anyway).
    public static func fetchStatus(at path: String, timeoutSeconds: Int = 5) throws(Failure) -> StatusReport {
        let fd = try connect(path, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        _ = UnixSocket.writeAll(fd, Array(ControlRequest.status.line.utf8))
        errno = 0
        let bytes = UnixSocket.readAll(fd)
        if bytes.isEmpty && (errno == EAGAIN || errno == EWOULDBLOCK) { throw .noAnswer(seconds: timeoutSeconds) }
        guard let report = try? JSONWire.decode(StatusReport.self, from: bytes) else { throw .unreadable(bytes: bytes.count) }
        return report
    }
}

extension ControlClient {
    /// A connected socket with a receive timeout, failures told apart.
    static func connect(_ path: String, timeoutSeconds: Int) throws(Failure) -> Int32 {
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch {
            if error.code == EACCES { throw .notPermitted(group: groupName(of: path)) }
            throw .unreachable(error)
        }
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }
}

/// The client side of `events`: one `ControlEvent` per line until either side closes. The
/// caller reads when `fd` is readable (poll) or blocks in `next()`.
public final class EventStream {
    public let fd: Int32
    /// The daemon's `subscribed` event: its role and per-client buffer.
    public private(set) var hello = ControlEvent(type: "subscribed")
    private var pending: [UInt8] = []
    private var closed = false

    /// Connects, asks for `events` and waits (at most `timeoutSeconds`) for the daemon's
    /// `subscribed` line; a daemon that answers with a status report is `.noEvents`.
    public init(at path: String, timeoutSeconds: Int = 5) throws(ControlClient.Failure) {
        fd = try ControlClient.connect(path, timeoutSeconds: timeoutSeconds)
        _ = UnixSocket.writeAll(fd, Array(ControlRequest.events.line.utf8))
        errno = 0
        var first: (String, ControlEvent?)?
        while first == nil {
            guard let lines = next() else {
                let stuck = errno == EAGAIN || errno == EWOULDBLOCK
                Glibc.close(fd)
                closed = true
                if stuck { throw .noAnswer(seconds: timeoutSeconds) }
                throw pending.isEmpty ? .unreadable(bytes: 0) : .noEvents
            }
            guard let head = lines.first else { continue }
            first = head
            // Events that came with the hello wait for the caller's first `next()`.
            pending = Array(lines.dropFirst().map { $0.0 + "\n" }.joined().utf8) + pending
        }
        guard let hello = first?.1, hello.type == "subscribed" else {
            Glibc.close(fd)
            closed = true
            if let refusal = first?.1, refusal.type == "refused" { throw .refused(refusal.reason ?? "") }
            throw .noEvents
        }
        self.hello = hello
        // From now on the stream is quiet for as long as nothing happens: no timeout.
        var none = timeval(tv_sec: 0, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// The complete lines now in hand after one read (blocking until some bytes come), each with
    /// its event (nil: a line this version cannot read). nil: the daemon closed the stream.
    public func next() -> [(String, ControlEvent?)]? {
        if let lines = takeLines() { return lines }
        var buf = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            pending += buf[0..<n]
            return takeLines() ?? []
        }
    }

    private func takeLines() -> [(String, ControlEvent?)]? {
        guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
        let text = String(decoding: pending[...last], as: UTF8.self)
        pending.removeSubrange(...last)
        return text.split(separator: "\n").map { line in (String(line), try? JSONWire.decode(ControlEvent.self, from: String(line))) }
    }
}

/// The name of the group owning `path` (the socket's, so the message names the group the
/// daemon actually gave it), nil when it cannot be told.
func groupName(of path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0, let g = getgrgid(st.st_gid) else { return nil }
    return String(cString: g.pointee.gr_name)
}
