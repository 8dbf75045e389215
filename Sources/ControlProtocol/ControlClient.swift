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

        public var description: String {
            switch self {
            case .unreachable(let f): "\(f)"
            case .notPermitted(let g?):
                "permission denied: reading the status needs membership of group \(g) (sudo usermod -aG \(g) USER, then log in again)"
            case .notPermitted(nil): "permission denied: this user may not use the status socket"
            case .unreadable(let n): "no readable report (\(n) bytes)"
            case .noAnswer(let s):
                "the daemon accepted the connection but sent no report within \(s) s: it looks stuck (systemctl status rfidgate; the watchdog restarts a daemon whose decode loop stops)"
            }
        }
    }

    /// Reads the running daemon's report; a daemon that does not answer within `timeoutSeconds`
    /// is an error, not a hang (a technician's shell must come back).
    public static func fetchStatus(at path: String, timeoutSeconds: Int = 5) throws(Failure) -> StatusReport {
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch {
            if error.code == EACCES { throw .notPermitted(group: groupName(of: path)) }
            throw .unreachable(error)
        }
        defer { close(fd) }
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        errno = 0
        let bytes = UnixSocket.readAll(fd)
        if bytes.isEmpty && (errno == EAGAIN || errno == EWOULDBLOCK) { throw .noAnswer(seconds: timeoutSeconds) }
        guard let report = try? JSONWire.decode(StatusReport.self, from: bytes) else { throw .unreadable(bytes: bytes.count) }
        return report
    }
}

/// The name of the group owning `path` (the socket's, so the message names the group the
/// daemon actually gave it), nil when it cannot be told.
func groupName(of path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0, let g = getgrgid(st.st_gid) else { return nil }
    return String(cString: g.pointee.gr_name)
}
