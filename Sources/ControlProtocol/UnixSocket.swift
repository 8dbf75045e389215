#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few AF_UNIX stream calls the control socket needs, with errors as text for the log.
public enum UnixSocket {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// The OS error (errno) behind it; 0 when it is not an OS error.
        public var code: Int32 = 0
    }

    public static func address(_ path: String) throws(Failure) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { throw Failure(description: "socket path longer than \(capacity - 1) bytes: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }

    public static func errno(_ what: String) -> Failure {
        let code = Glibc.errno
        return Failure(description: "\(what): \(String(cString: strerror(code)))", code: code)
    }

    /// A listening socket at `path` with file mode `mode`. A stale file left by a killed daemon
    /// is replaced; a socket someone still answers on is not (two daemons must not fight).
    public static func listen(at path: String, mode: mode_t) throws(Failure) -> Int32 {
        var addr = try address(path)
        if access(path, F_OK) == 0 {
            if let fd = try? connect(to: path) {
                close(fd)
                throw Failure(description: "\(path) is in use by another running rfidgated")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw errno("socket") }
        // Bind with a restrictive umask so the socket never exists with wider permissions.
        let old = umask(0o777 & ~mode)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard bound == 0 else { let e = errno("bind \(path)"); close(fd); throw e }
        chmod(path, mode)
        guard Glibc.listen(fd, 8) == 0 else { let e = errno("listen \(path)"); close(fd); throw e }
        return fd
    }

    public static func connect(to path: String) throws(Failure) -> Int32 {
        var addr = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw errno("socket") }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0 else { let e = errno("connect \(path)"); close(fd); throw e }
        return fd
    }

    /// Writes all of `bytes` (EINTR and short writes handled); false when the peer went away.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            // MSG_NOSIGNAL: a client that hung up must cost an EPIPE, not the daemon (SIGPIPE).
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 && Glibc.errno == EINTR { continue }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    /// Reads until end of file or `limit` bytes.
    public static func readAll(_ fd: Int32, limit: Int = 1 << 20) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && Glibc.errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }
}
