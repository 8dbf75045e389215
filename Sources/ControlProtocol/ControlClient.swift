#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The client side of the control socket: connect, read the one report the daemon writes, decode.
public enum ControlClient {
    public enum Failure: Error, CustomStringConvertible {
        /// Nobody answers at the path (no daemon, or no permission).
        case unreachable(UnixSocket.Failure)
        /// Something answered but sent no report this version can read.
        case unreadable(bytes: Int)

        public var description: String {
            switch self {
            case .unreachable(let f): "\(f)"
            case .unreadable(let n): "no readable report (\(n) bytes)"
            }
        }
    }

    public static func fetchStatus(at path: String) throws(Failure) -> StatusReport {
        let fd: Int32
        do { fd = try UnixSocket.connect(to: path) } catch { throw .unreachable(error) }
        defer { close(fd) }
        let bytes = UnixSocket.readAll(fd)
        guard let report = try? JSONWire.decode(StatusReport.self, from: bytes) else { throw .unreadable(bytes: bytes.count) }
        return report
    }
}
