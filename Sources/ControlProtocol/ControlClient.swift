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

        public var description: String {
            switch self {
            case .unreachable(let f): "\(f)"
            case .notPermitted(let g?):
                "permission denied: reading the status needs membership of group \(g) (sudo usermod -aG \(g) USER, then log in again)"
            case .notPermitted(nil): "permission denied: this user may not use the status socket"
            case .unreadable(let n): "no readable report (\(n) bytes)"
            }
        }
    }

    public static func fetchStatus(at path: String) throws(Failure) -> StatusReport {
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch {
            if error.code == EACCES { throw .notPermitted(group: groupName(of: path)) }
            throw .unreachable(error)
        }
        defer { close(fd) }
        let bytes = UnixSocket.readAll(fd)
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
